"""Who is in a running meeting (BEHAVIOUR §8): one `Participant` per online site, each with its
state, role and flags. Presence for the auto-extension rule (§3) counts `IN_MEETING` only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from overtime.domain.tokens import Role

MAX_NAME = 96
MAX_NUMBER = 32


class SiteState(IntEnum):
    """A site's state. 0 and 1 are Huawei's wire values (`state`, `STATE`); the waiting room is
    ours and never sent as a state: waiting sites are listed in `WaitingListNotify` instead."""

    IN_MEETING = 0
    CALLING = 1
    WAITING = 3


@dataclass
class Participant:
    participant_id: str
    conference_id: str
    conf_uuid: str
    name: str
    role: Role
    joined_at: datetime
    """When the site appeared (joined, was called or entered the waiting room): `ADDTIME`."""
    left_at: datetime | None = None
    """When it went (left, hung up, declined, unanswered, the meeting ended); None while there."""
    phone: str = ""
    state: SiteState = SiteState.IN_MEETING
    mute: bool = False
    hand: bool = False
    video: bool = False
    """Media capability (a video site), not camera on/off."""
    cohost: bool = False
    broadcast: bool = False
    rollcall: bool = False
    invited: bool = False
    """Asked to the meeting by an invitation or matching an invitee's number (passes a lock)."""
    call_expires: datetime | None = None
    """While being called: when the call ends unanswered."""

    @property
    def present(self) -> bool:
        """Still a site of the meeting (in it, being called or waiting)."""
        return self.left_at is None

    @property
    def in_meeting(self) -> bool:
        """Counts for the auto-extension rule: in the meeting itself (state 0)."""
        return self.left_at is None and self.state is SiteState.IN_MEETING

    @property
    def is_host(self) -> bool:
        return self.role is Role.CHAIR
