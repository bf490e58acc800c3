"""A run's cloud recording (BEHAVIOUR §10): it exists once a run that recorded has ended. No
media exists here; its duration is the sum of the recorded spans and its size follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DOWNLOAD_TTL = timedelta(hours=1)
FILE_TYPES = ("Hd", "Sd", "Aux")
MB_PER_MINUTE = 5
"""The nominal size of a recorded minute (a 1080p main stream is of that order)."""


@dataclass(frozen=True)
class Recording:
    conf_uuid: str
    conference_id: str
    corp_id: str
    owner_id: str
    subject: str
    meeting_start: datetime
    rec_start: datetime
    rec_end: datetime
    rec_ms: int
    record_auth_type: int = 0

    @property
    def seconds(self) -> int:
        return self.rec_ms // 1000

    @property
    def size_mb(self) -> int:
        return max(1, -(-self.rec_ms * MB_PER_MINUTE // 60_000))
