"""Who is in a running meeting. Presence drives auto-extension (BEHAVIOUR §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from overtime.domain.tokens import Role


@dataclass(frozen=True)
class Participant:
    participant_id: str
    conference_id: str
    conf_uuid: str
    name: str
    role: Role
    joined_at: datetime
    left_at: datetime | None = None

    @property
    def present(self) -> bool:
        return self.left_at is None
