"""Huawei's wire format, inbound: request bodies as strict msgspec structs (answers: `api/render.py`).
Together with `api/render.py`, the only modules that spell Huawei's field names (STYLE.md rule 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, TypeVar

import msgspec

from overtime.api import bounds
from overtime.api.bounds import (
    AccountName,
    Address,
    ClientType,
    ConferenceId,
    EpochSeconds,
    GroupUri,
    Int32,
    Medium,
    Minutes,
    Name,
    Secret,
    Short,
    Subject,
    Token,
)
from overtime.api.errors import WireError
from overtime.domain import errors, series
from overtime.domain.meeting import MeetingSpec, validate_spec
from overtime.domain.series import Cycle

T = TypeVar("T")
TIME_FORMAT = "%Y-%m-%d %H:%M"


def decode(body: bytes, kind: type[T], *, family: str = "MMC") -> T:
    """Parses a JSON body strictly (no "1" for 1, no 1.0 for 1, no true for 1) within the declared
    bounds (`api/bounds.py`): no NUL characters, valid UTF-8, at most `MAX_DEPTH` levels deep."""
    usg = family == "USG"
    if not body.strip():
        raise WireError(400, "USG.000000003" if usg else "MMC.111072057", "The request body is empty.")
    invalid = "USG.000000003" if usg else "MMC.111071061"
    malformed = "USG.000000003" if usg else "MMC.111071062"
    if bounds.has_nul(body):
        raise WireError(400, invalid, "Parameter validation failed: strings must not contain NUL characters.")
    if _too_deep(body):
        raise WireError(400, malformed, f"Malformed JSON: nested deeper than {bounds.MAX_DEPTH} levels.")
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as e:
        raise WireError(400, invalid, f"Parameter validation failed: {e}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as e:
        reason = "invalid UTF-8" if isinstance(e, UnicodeDecodeError) else str(e)
        raise WireError(400, malformed, f"Malformed JSON: {reason}") from None


def _too_deep(body: bytes) -> bool:
    """A cheap upper bound on the nesting depth: brackets inside strings count too, so a body
    that passes is certainly shallow enough; one that fails is re-checked exactly."""
    if body.count(b"[") + body.count(b"{") <= bounds.MAX_DEPTH:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > bounds.MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def fmt_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(value: str | None) -> datetime | None:
    if value is None or value.strip() == "":
        return None
    try:
        at = datetime.strptime(value.strip(), TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise errors.InvalidParameter("startTime must be 'yyyy-MM-dd HH:mm' (UTC).") from None
    if not bounds.EARLIEST <= at < bounds.LATEST:
        raise errors.InvalidParameter(
            f"startTime must be between {fmt_time(bounds.EARLIEST)} and {fmt_time(bounds.LATEST)} (UTC)."
        )
    return at


# -- requests -----------------------------------------------------------------------------------


class AccountAuthBody(msgspec.Struct):
    account: AccountName | None = None
    clientType: ClientType | None = None
    HA2: Secret | None = None
    createTokenType: Int32 | None = None


class AppAuthBody(msgspec.Struct):
    appId: Medium
    expireTime: EpochSeconds
    nonce: Medium
    clientType: ClientType | None = None
    corpId: Short | None = None
    userId: Short | None = None
    userName: Name | None = None
    userEmail: Address | None = None
    userPhone: Short | None = None
    deptCode: Short | None = None


class ValidateTokenBody(msgspec.Struct):
    token: Token
    needGenNewToken: bool | None = None
    needAccountInfo: bool | None = None


class ConfConfig(msgspec.Struct, omit_defaults=True):
    isSendNotify: bool | None = None
    isSendSms: bool | None = None
    isSendCalendar: bool | None = None
    isAutoMute: bool | None = None
    isHardTerminalAutoMute: bool | None = None
    isGuestFreePwd: bool | None = None
    callInRestriction: Int32 | None = None
    allowGuestStartConf: bool | None = None
    guestPwd: Short | None = None
    vmrIDType: Int32 | None = None
    prolongLength: Minutes | None = None
    enableWaitingRoom: bool | None = None
    isHostCameraOn: bool | None = None
    isGuestCameraOn: bool | None = None


class Attendee(msgspec.Struct, omit_defaults=True):
    userUUID: Short | None = None
    accountId: Medium | None = None
    appId: Medium | None = None
    name: Name | None = None
    role: Int32 | None = None
    phone: Medium | None = None
    phone2: Medium | None = None
    phone3: Medium | None = None
    email: Address | None = None
    sms: Short | None = None
    isMute: Int32 | None = None
    isAutoInvite: Int32 | None = None
    type: Short | None = None
    address: Address | None = None
    deptUUID: Short | None = None
    deptName: Medium | None = None
    uniqueType: Int32 | None = None


Attendees = Annotated[list[Attendee], msgspec.Meta(max_length=bounds.MAX_ATTENDEES)]
Points = Annotated[list[Int32], msgspec.Meta(max_length=31)]


class CycleParams(msgspec.Struct, omit_defaults=True):
    """`CycleParams` (reference control §8.1)."""

    startDate: Short | None = None
    endDate: Short | None = None
    cycle: Short | None = None
    interval: Int32 | None = None
    point: Points | None = None
    preRemindDays: Int32 | None = None


class ScheduleConf(msgspec.Struct, omit_defaults=True):
    """`RestScheduleConfDTO`: the body of create and update."""

    mediaTypes: Short | None = None
    startTime: Short | None = None
    length: Minutes | None = None
    subject: Subject | None = None
    groupuri: GroupUri | None = None
    attendees: Attendees | None = None
    isAutoRecord: Int32 | None = None
    encryptMode: Int32 | None = None
    language: Short | None = None
    timeZoneID: Short | None = None
    recordType: Int32 | None = None
    liveAddress: Address | None = None
    auxAddress: Address | None = None
    recordAuxStream: Int32 | None = None
    confConfigInfo: ConfConfig | None = None
    recordAuthType: Int32 | None = None
    vmrFlag: Int32 | None = None
    vmrID: Short | None = None
    concurrentParticipants: Int32 | None = None
    supportSimultaneousInterpretation: bool | None = None
    confResType: Int32 | None = None
    cycleParams: CycleParams | None = None


_ECHOED = (
    "groupuri",
    "isAutoRecord",
    "encryptMode",
    "language",
    "timeZoneID",
    "recordType",
    "liveAddress",
    "auxAddress",
    "recordAuxStream",
    "recordAuthType",
    "vmrFlag",
    "vmrID",
    "concurrentParticipants",
    "supportSimultaneousInterpretation",
    "confResType",
)


def meeting_spec(body: ScheduleConf, now: datetime) -> MeetingSpec:
    config = body.confConfigInfo or ConfConfig()
    details: dict[str, object] = {
        name: getattr(body, name) for name in _ECHOED if getattr(body, name) is not None
    }
    echoed_config = msgspec.to_builtins(config)
    echoed_config.pop("guestPwd", None)
    echoed_config.pop("prolongLength", None)
    details["confConfigInfo"] = echoed_config
    details["attendees"] = msgspec.to_builtins(body.attendees or [])
    return validate_spec(
        subject=body.subject,
        media_types=body.mediaTypes,
        length=body.length,
        start=parse_time(body.startTime),
        guest_password=config.guestPwd,
        prolong_step=config.prolongLength,
        allow_guest_start=config.allowGuestStartConf,
        now=now,
        details=details,
    )


class ProlongBody(msgspec.Struct):
    """`RestProlongDurReqBody`."""

    auto: Int32
    duration: Minutes | None = None


class StartBody(msgspec.Struct):
    conferenceID: ConferenceId
    password: Secret


# -- recurring meetings (reference control §8) ---------------------------------------------------


def cycle(body: ScheduleConf) -> tuple[Cycle, str]:
    """The validated `cycleParams` of a recurring create/update and its `timeZoneID`."""
    if body.cycleParams is None:
        raise errors.CycleParamsMissing()
    c = body.cycleParams
    series.zone(body.timeZoneID)
    return (
        series.validate_cycle(
            start_date=c.startDate,
            end_date=c.endDate,
            cycle=c.cycle,
            interval=c.interval,
            points=c.point,
            pre_remind_days=c.preRemindDays,
        ),
        body.timeZoneID or series.DEFAULT_TIME_ZONE_ID,
    )


class ShowAudienceCountInfo(msgspec.Struct, omit_defaults=True):
    showAudienceMode: Int32 | None = None
    baseAudienceCount: Int32 | None = None
    multiple: Annotated[float, msgspec.Meta(ge=0, le=10)] | None = None


class CycleSubConfConfig(msgspec.Struct, omit_defaults=True):
    """`CycleSubConfConfigDTO`."""

    callInRestriction: Int32 | None = None
    audienceCallInRestriction: Int32 | None = None
    allowGuestStartConf: bool | None = None
    enableWaitingRoom: bool | None = None
    showAudienceCountInfo: ShowAudienceCountInfo | None = None


class CycleSubConf(msgspec.Struct, omit_defaults=True):
    """`RestScheduleCycleConfDTO`: the body that edits one sub-meeting."""

    cycleSubConfID: Short | None = None
    mediaTypes: Short | None = None
    startTime: Short | None = None
    length: Minutes | None = None
    isAutoRecord: Int32 | None = None
    confConfigInfo: CycleSubConfConfig | None = None
    recordAuthType: Int32 | None = None
    description: Annotated[str, msgspec.Meta(max_length=200)] | None = None


def sub_details(body: CycleSubConf) -> dict[str, object]:
    details: dict[str, object] = {}
    for name in ("isAutoRecord", "recordAuthType", "description"):
        if getattr(body, name) is not None:
            details[name] = getattr(body, name)
    if body.confConfigInfo is not None:
        details["confConfigInfo"] = msgspec.to_builtins(body.confConfigInfo)
    return details


SubIds = Annotated[list[Short], msgspec.Meta(max_length=50)]


class CancelSubConfs(msgspec.Struct):
    """`RestCancelSingleRecordCycleConfListReqBody`."""

    cycleSubConfIDs: SubIds | None = None
