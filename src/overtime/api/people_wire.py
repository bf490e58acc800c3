"""Request bodies and query strings of the in-meeting control operations (BEHAVIOUR §8,
reference §6-§7, appendix A): the SDK's models, field for field.

The 0/1 switches are read as any JSON value and checked by `switch`, so that a switch missing, not
an integer or out of range is Huawei's `MMC.111072045` rather than the generic validation code;
names and numbers are bounded here generously and checked exactly by the domain, which answers
Huawei's own codes (`MMC.111072034`, `…032`, `…047`)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec

from overtime.api import wire
from overtime.api.bounds import (
    MAX_ATTENDEES,
    Address,
    ConferenceId,
    Int32,
    Medium,
    SearchKey,
    Secret,
    Short,
)
from overtime.api.query import Paged
from overtime.domain import errors

S = TypeVar("S", bound=msgspec.Struct)
UNSET: Any = msgspec.UNSET
Pids = Annotated[list[Short], msgspec.Meta(max_length=MAX_ATTENDEES)]


def switch(value: object, name: str, allowed: tuple[int, ...] = (0, 1)) -> int:
    """A 0/1 switch (or another small set of integers): `MMC.111072045` when missing, not an
    integer or out of range."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        shown = "missing" if value is msgspec.UNSET else repr(value)
        raise errors.SwitchOutOfRange(f"{name} must be one of {', '.join(map(str, allowed))} (got {shown}).")
    return value


def choice(value: object, name: str, allowed: tuple[int, ...]) -> int:
    """A setting with a documented value set other than 0/1: `MMC.111071061` outside it."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise errors.InvalidParameter(f"{name} must be one of {', '.join(map(str, allowed))}.")
    return value


def decode_required(body: bytes, kind: type[S]) -> S:
    """A body that must carry something: absent, empty or `{}` is `MMC.111072057`."""
    if not body.strip():
        raise errors.RequestBodyEmpty()
    decoded = wire.decode(body, kind)
    if all(getattr(decoded, f) in (None, msgspec.UNSET) for f in decoded.__struct_fields__):
        raise errors.RequestBodyEmpty()
    return decoded


# -- bodies ------------------------------------------------------------------------------------------


class InviteAttendee(msgspec.Struct, kw_only=True):
    """`Attendee` (in-meeting): name ≤ 96 and phone ≤ 32 are the domain's checks."""

    name: Address | None = None
    phone: Short | None = None
    type: Short | None = None
    userUUID: Short | None = None
    accountId: Medium | None = None
    role: Int32 | None = None
    phone2: Short | None = None
    phone3: Short | None = None
    email: Address | None = None
    sms: Short | None = None
    deptUUID: Short | None = None
    deptName: Medium | None = None


class InviteBody(msgspec.Struct, kw_only=True):
    """`RestInviteReqBody`."""

    attendees: Annotated[list[InviteAttendee], msgspec.Meta(max_length=MAX_ATTENDEES)] | None = None


class HangUpBody(msgspec.Struct, kw_only=True):
    """`RestBulkHangUpReqBody`."""

    bulkHangUpParticipants: Pids | None = None


class DelAttendInfo(msgspec.Struct, kw_only=True):
    number: Short | None = None
    participantID: Short | None = None


class DeleteAttendeesBody(msgspec.Struct, kw_only=True):
    """`RestBulkDelAttendReqBody`."""

    bulkDelAttendInfo: Annotated[list[DelAttendInfo], msgspec.Meta(max_length=MAX_ATTENDEES)] | None = None


class RenameBody(msgspec.Struct, kw_only=True):
    """`RestRenamePartReqBody`."""

    participantID: Short | None = None
    number: Short | None = None
    newName: Address | None = None


class SetRoleBody(msgspec.Struct, kw_only=True):
    """`RestChairTokenReqBody`."""

    applyChair: Any = UNSET
    chairmanPwd: Secret | None = None


class CohostBody(msgspec.Struct, kw_only=True):
    """`RestSetCohostBody`."""

    isCohost: Any = UNSET


class MuteBody(msgspec.Struct, kw_only=True):
    """`RestMuteParticipantReqBody`."""

    isMute: Any = UNSET


class MuteMeetingBody(msgspec.Struct, kw_only=True):
    """`RestMuteReqBody`."""

    isMute: Any = UNSET
    allowUnmuteByOneself: Any = UNSET


class GuestUnmuteBody(msgspec.Struct, kw_only=True):
    """`RestAllowUnMuteReqBody`."""

    allowUnmuteByOneself: Any = UNSET


class HandBody(msgspec.Struct, kw_only=True):
    """`RestHandsUpReqBody`."""

    handsState: Any = UNSET


class BatchHandBody(msgspec.Struct, kw_only=True):
    """`RestBatchHandsUpReqBody`."""

    handsState: Any = UNSET
    pids: Pids | None = None


class LockBody(msgspec.Struct, kw_only=True):
    """`RestLockReqBody`."""

    isLock: Any = UNSET


class StartedConfigBody(msgspec.Struct, kw_only=True):
    """`UpdateStartedConfigReqBody`: only the settings present change."""

    lockSharing: Any = UNSET
    callInRestriction: Any = UNSET
    allowUnmuteByOneself: Any = UNSET
    chatPermission: Any = UNSET
    audienceCallInRestriction: Any = UNSET
    clientRecMode: Any = UNSET
    allowOpenCamera: Any = UNSET
    allowRename: Any = UNSET
    isLock: Any = UNSET
    freeShare: Any = UNSET


# wire name → (RoomState attribute, allowed values, a 0/1 switch?)
STARTED_CONFIG: dict[str, tuple[str, tuple[int, ...], bool]] = {
    "lockSharing": ("lock_sharing", (0, 1), True),
    "callInRestriction": ("call_in_restriction", (0, 2, 3), False),
    "allowUnmuteByOneself": ("can_unmute", (0, 1), True),
    "chatPermission": ("chat_permission", (1, 2, 3, 4), False),
    "audienceCallInRestriction": ("audience_call_in_restriction", (0, 2), False),
    "clientRecMode": ("client_rec_mode", (0, 1, 2), False),
    "allowOpenCamera": ("allow_open_camera", (0, 1), True),
    "allowRename": ("allow_rename", (0, 1), True),
    "isLock": ("lock", (0, 1), True),
    "freeShare": ("free_share", (0, 1), True),
}


class PauseBody(msgspec.Struct, kw_only=True):
    """`PauseConferenceReq`."""

    pause: Any = UNSET


class VideoBody(msgspec.Struct, kw_only=True):
    """`RestVideoBody`: 0 asks the participant to turn the camera on, 1 off."""

    status: Any = UNSET


class MoveToWaitingRoomBody(msgspec.Struct, kw_only=True):
    """`RestMoveToWaitingRoomReqBody`."""

    participantID: Short | None = None


class BatchMoveToWaitingRoomBody(msgspec.Struct, kw_only=True):
    """`RestBatchMoveToWaitingRoomReqBody`."""

    batchParticipants: Pids | None = None


class AllowWaitingBody(msgspec.Struct, kw_only=True):
    """`RestAllowWaitingParticipantReqBody`."""

    participantID: Short | None = None
    allowAll: bool | None = None


# -- query strings -----------------------------------------------------------------------------------


class Site(msgspec.Struct, kw_only=True):
    conferenceID: ConferenceId = ""
    participantID: Short = ""


class OnlineAttendees(Paged, kw_only=True):
    conf_id: ConferenceId = ""
    search_key: SearchKey | None = None


class AttendanceQuery(Paged, kw_only=True):
    confUUID: Short = ""
    searchKey: SearchKey | None = None
    userUUID: Short | None = None


class CallNumber(msgspec.Struct, kw_only=True):
    call_number: Short = ""


# -- recording and live (BEHAVIOUR §10) -------------------------------------------------------------


class RecordBody(msgspec.Struct, kw_only=True):
    """`RestSetRecordReqBody`."""

    isRecord: Any = UNSET


class LiveBody(msgspec.Struct, kw_only=True):
    """`RestSetLiveReqBody`."""

    isLive: Any = UNSET
