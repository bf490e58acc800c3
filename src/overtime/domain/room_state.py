"""A running meeting's meeting-wide control state (BEHAVIOUR §8): lock, mute-on-join, the
waiting room, the started-meeting settings and the invitee list. It belongs to one run: a new
run starts from the scheduled settings (`for_run`). Stored with the meeting (one JSON column)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from overtime.domain.clock import from_ms, to_ms

MODES = ("FREE", "BROADCAST", "ROLLCALL")
MAX_INVITEES = 500


@dataclass
class Invitee:
    """One entry of `attendees`: someone asked to the meeting, online or not."""

    name: str
    phone: str
    user_uuid: str = ""
    account_id: str = ""
    type: str = "normal"
    role: int = 0


@dataclass
class RoomState:
    lock: int = 0
    mute: int = 0
    """Mute-on-join: set by muting the meeting, cleared by un-muting it."""
    can_unmute: int = 1
    mode: str = "FREE"
    pause: bool = False
    waiting_room: int = 0
    lock_sharing: int = 0
    call_in_restriction: int = 0
    chat_permission: int = 4
    audience_call_in_restriction: int = 0
    client_rec_mode: int = 0
    allow_open_camera: int = 1
    allow_rename: int = 1
    free_share: int = 1
    invitees: list[Invitee] = field(default_factory=list)
    call_deadline: datetime | None = None
    """The earliest end of an unanswered call, if any: a deadline of the meeting."""

    @classmethod
    def for_run(cls, details: dict[str, object]) -> RoomState:
        """A new run: the scheduled invitees and settings (`confConfigInfo`)."""
        config = details.get("confConfigInfo")
        config = config if isinstance(config, dict) else {}
        scheduled = details.get("attendees")
        invitees = [
            Invitee(
                name=str(a.get("name") or ""),
                phone=str(a.get("phone") or ""),
                user_uuid=str(a.get("userUUID") or ""),
                account_id=str(a.get("accountId") or ""),
                type=str(a.get("type") or "normal"),
                role=1 if a.get("role") == 1 else 0,
            )
            for a in (scheduled if isinstance(scheduled, list) else [])
            if isinstance(a, dict)
        ][:MAX_INVITEES]
        restriction = config.get("callInRestriction")
        return cls(
            mute=1 if config.get("isAutoMute") is True else 0,
            waiting_room=1 if config.get("enableWaitingRoom") is True else 0,
            call_in_restriction=restriction
            if isinstance(restriction, int) and restriction in (0, 2, 3)
            else 0,
            invitees=invitees,
        )

    def invitee(self, phone: str) -> Invitee | None:
        return next((i for i in self.invitees if phone and i.phone == phone), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["call_deadline"] = None if self.call_deadline is None else to_ms(self.call_deadline)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RoomState:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["invitees"] = [Invitee(**i) for i in values.get("invitees") or []]
        deadline = values.get("call_deadline")
        values["call_deadline"] = None if deadline is None else from_ms(int(deadline))
        return cls(**values)
