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
    # -- recording and live (BEHAVIOUR §10) ---------------------------------------------------
    rec_state: int = 0
    rec_occurred: int = 0
    live_state: int = 0
    rec_since: datetime | None = None
    """When the current recording span started (while `rec_state` is 1)."""
    rec_first: datetime | None = None
    rec_last: datetime | None = None
    """When the first recorded span started and the last one ended."""
    rec_ms: int = 0
    """Recorded so far, over every span, in milliseconds."""
    rec_deleted: bool = False
    """The run's recording was deleted (history's `isHasRecordFile` false again)."""

    def start_recording(self, now: datetime) -> None:
        if not self.rec_state:
            self.rec_state, self.rec_occurred, self.rec_since = 1, 1, now
            self.rec_first = self.rec_first or now

    def stop_recording(self, now: datetime) -> None:
        if self.rec_state and self.rec_since is not None:
            self.rec_ms += max(0, to_ms(now) - to_ms(self.rec_since))
            self.rec_state, self.rec_since, self.rec_last = 0, None, now

    @property
    def has_record_file(self) -> bool:
        return bool(self.rec_occurred) and not self.rec_deleted

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
        for name in _TIMES:
            at = getattr(self, name)
            data[name] = None if at is None else to_ms(at)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RoomState:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["invitees"] = [Invitee(**i) for i in values.get("invitees") or []]
        for name in _TIMES:
            ms = values.get(name)
            values[name] = None if ms is None else from_ms(int(ms))
        return cls(**values)


_TIMES = ("call_deadline", "rec_since", "rec_first", "rec_last")
"""The fields stored as epoch milliseconds."""
