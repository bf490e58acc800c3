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
    """The people of the meeting changed (sites, their flags, the waiting room, the invitees):
    WebSocket subscribers get the participants, waiting-list, attendee and invite-result frames
    that describe the change."""
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
    """A site entered the meeting itself (joined, answered a call, admitted from the waiting room)."""
    LEFT = "left", Effects("LEAVE_CONF", ("meeting.left",), False, True, False)
    """A site in the meeting itself left it (by itself, hung up, deleted, moved to the waiting room)."""
    # -- people in a running meeting (BEHAVIOUR §8): one control record per operation ----------
    WAITING = "waiting", Effects("ENTER_WAITING_ROOM", (), False, True, False)
    """A join landed in the waiting room."""
    WAITING_LEFT = "waiting_left", Effects("LEAVE_WAITING_ROOM", (), False, True, False)
    """A site left the waiting room by itself (it never joined: no `meeting.left`)."""
    INVITED = "invited", Effects("INVITE_PARTICIPANT", (), True, True, False)
    """Calls started: the unanswered-call deadline may move."""
    CALL_FAILED = "call_failed", Effects("CALL_FAILED", (), True, True, False)
    """A call ended unanswered or declined (detail: `no answer` / `declined`)."""
    HUNG_UP = "hung_up", Effects("HANGUP_PARTICIPANT", (), True, True, False)
    ATTENDEES_DELETED = "attendees_deleted", Effects("DELETE_ATTENDEE", (), True, True, False)
    RENAMED = "renamed", Effects("RENAME_PARTICIPANT", (), False, True, False)
    ROLE_SET = "role_set", Effects("SET_ROLE", (), False, True, False)
    COHOST_SET = "cohost_set", Effects("SET_COHOST", (), False, True, False)
    MUTED = "muted", Effects("MUTE_PARTICIPANT", (), False, True, False)
    MEETING_MUTED = "meeting_muted", Effects("MUTE_CONF", (), False, True, True)
    GUEST_UNMUTE_SET = "guest_unmute_set", Effects("ALLOW_GUEST_UNMUTE", (), False, False, True)
    HAND_SET = "hand_set", Effects("HAND", (), False, True, False)
    HANDS_SET = "hands_set", Effects("BATCH_HAND", (), False, True, False)
    LOCKED = "locked", Effects("LOCK_CONF", (), False, False, True)
    CONFIG_UPDATED = "config_updated", Effects("UPDATE_STARTED_CONF_CONFIG", (), False, False, True)
    PAUSED = "paused", Effects("PAUSE_CONF", (), False, False, True)
    VIDEO_INVITED = "video_invited", Effects("INVITE_OPERATE_VIDEO", (), False, False, False)
    """An invitation to turn the camera on or off: the client's business, no state of ours."""
    BROADCAST = "broadcast", Effects("BROADCAST_PARTICIPANT", (), False, True, True)
    BROADCAST_CANCELLED = "broadcast_cancelled", Effects("CANCEL_BROADCAST", (), False, True, True)
    ROLLCALL = "rollcall", Effects("ROLLCALL_PARTICIPANT", (), False, True, True)
    MOVED_TO_WAITING = "moved_to_waiting", Effects("MOVE_TO_WAITING_ROOM", (), False, True, False)
    ADMITTED = "admitted", Effects("ALLOW_WAITING_PARTICIPANT", (), False, True, False)
    # -- recording and live (BEHAVIOUR §10) ---------------------------------------------------
    RECORD_SET = "record_set", Effects("RECORD", (), False, False, True)
    LIVE_SET = "live_set", Effects("LIVE", (), False, False, False)
    """Live state is kept, not pushed: Huawei documents no field for it."""
    RECORD_FINISHED = "record_finished", Effects("RECORD_FINISH", ("record.finish",), False, False, False)
    """A run that recorded has ended: its recording entry exists (`storage`), `record.finish`."""
    # -- real media (issue 16) -----------------------------------------------------------------
    MEDIA = "media", Effects("MEDIA_SYNC", (), False, False, False)
    """Janus followed a change (room created, destroyed, pin set, participant kicked or muted)
    or failed to: written by the media dispatcher alone, about the media server, never the
    meeting's own state."""


@dataclass(frozen=True)
class MeetingEvent:
    """One ledger entry: what changed, when, by whom, and the end time before and after."""

    kind: EventKind
    at: datetime
    actor: str
    old_end: datetime | None
    new_end: datetime | None
    detail: str = ""
    run: tuple[str, str] | None = None
    """A series: the (confUUID, cycleSubConfID) of the run it belongs to, stamped when the
    meeting has already moved on to its next sub-meeting; None means the meeting's current one."""
