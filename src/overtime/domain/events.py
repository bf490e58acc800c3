"""The kinds of meeting change, each carrying its consequences in one place: whether it moves
the meeting's deadline, whether it is a presence change, whether it is pushed to WebSocket
subscribers as dynamic information, the webhook events it becomes and the control-record code
history shows for it. A new kind cannot be declared without stating every one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

PROLONG = "meeting.prolong"
"""Our own webhook event for an extension (Huawei documents none)."""


@dataclass(frozen=True)
class Effects:
    control_code: str
    """`operateCode` of the history control record (ConfCtlRecordInfo)."""
    webhooks: tuple[str, ...]
    """The enterprise webhook events it becomes, in order (`domain/webhooks.event_names` adds
    the per-meeting rules)."""
    moves_deadline: bool
    """It may change when the meeting's next deadline falls: the deadline loop wakes."""
    presence: bool
    """Someone joined or left: WebSocket subscribers get a participants frame."""
    dynamic: bool
    """WebSocket subscribers get a ConfDynamicInfoNotify (end time, state)."""


class EventKind(StrEnum):
    effects: Effects

    def __new__(cls, value: str, effects: Effects | None = None) -> EventKind:
        # `EventKind("joined")` looks a member up without calling this; a member is declared
        # with its effects, and one declared without them is refused.
        if not isinstance(effects, Effects):
            raise TypeError(f"event kind {value!r} declared without its Effects")
        member = str.__new__(cls, value)
        member._value_ = value
        member.effects = effects
        return member

    CREATED = "created", Effects("CREATE_CONF", ("meeting.create",), True, False, False)
    UPDATED = "updated", Effects("MODIFY_CONF", ("meeting.modify",), True, False, True)
    STARTED = "started", Effects("START_CONF", ("meeting.started",), True, False, True)
    EXTENDED = "extended", Effects("PROLONG_CONF", (PROLONG,), True, False, True)
    AUTO_EXTENSION_SET = "auto_extension_set", Effects("SET_AUTO_PROLONG", (), True, False, True)
    AUTO_EXTENDED = "auto_extended", Effects("AUTO_PROLONG_CONF", (PROLONG,), False, False, True)
    """Applied by the deadline loop itself, which computes the next deadline in the same pass."""
    ENDED = "ended", Effects("STOP_CONF", ("meeting.end", "meeting.conclude"), False, False, True)
    CANCELLED = "cancelled", Effects("CANCEL_CONF", ("meeting.cancel",), False, False, True)
    JOINED = "joined", Effects("JOIN_CONF", ("meeting.join",), False, True, False)
    LEFT = "left", Effects("LEAVE_CONF", ("meeting.left",), False, True, False)


@dataclass(frozen=True)
class MeetingEvent:
    """One ledger entry: what changed, when, by whom, and the end time before and after."""

    kind: EventKind
    at: datetime
    actor: str
    old_end: datetime | None
    new_end: datetime | None
    detail: str = ""
