"""A run's cloud recording (BEHAVIOUR §10): it exists once a run that recorded has ended. No
media exists here; its duration is the sum of the recorded spans and its size follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from overtime.domain.meeting import Meeting

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

    @classmethod
    def of(cls, m: Meeting) -> Recording:
        """The recording of an ended run that recorded."""
        room = m.room
        assert room.rec_occurred and room.rec_first is not None and room.rec_last is not None
        auth = m.details.get("recordAuthType")
        return cls(
            conf_uuid=m.conf_uuid,
            conference_id=m.conference_id,
            corp_id=m.corp_id,
            owner_id=m.owner_id,
            subject=m.subject,
            meeting_start=m.start_time,
            rec_start=room.rec_first,
            rec_end=room.rec_last,
            rec_ms=room.rec_ms,
            record_auth_type=auth if isinstance(auth, int) and auth in (0, 1, 2) else 0,
        )
