"""The one place that turns refusals into HTTP: status, `error_code`, `error_msg`."""

from __future__ import annotations

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from overtime.domain import errors

JSON = "application/json;charset=UTF-8"


class WireError(Exception):
    """A request the wire layer could not read (bad JSON, wrong types, too big)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# Huawei publishes few USG codes; those marked "ours" in docs/reference/errors.md are our choice.
STATUS_AND_CODE: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.InvalidParameter: (400, "MMC.111071061"),
    errors.AutoModeInvalid: (400, "MMC.111071036"),
    errors.DurationOutOfRange: (400, "MMC.111071015"),
    errors.LengthOutOfRange: (400, "MMC.111071021"),
    errors.SubjectTooLong: (400, "MMC.111071022"),
    errors.StartTimeInPast: (400, "MMC.111071013"),
    errors.GuestPasswordInvalid: (400, "MMC.111071080"),
    errors.GuestPasswordConflict: (400, "MMC.111071105"),
    errors.MeetingNotFound: (400, "MMC.111070005"),
    errors.MeetingAlreadyStarted: (400, "MMC.111071065"),
    errors.MeetingInProgress: (400, "MMC.111071067"),
    errors.MeetingNotStarted: (400, "MMC.111072005"),
    errors.MeetingEnded: (400, "MMC.111072006"),
    errors.CycleParamsMissing: (400, "MMC.111071020"),
    errors.CycleStartDateMissing: (400, "MMC.111071041"),
    errors.CycleEndDateMissing: (400, "MMC.111071042"),
    errors.CycleInvalid: (400, "MMC.111071043"),
    errors.CycleIntervalOutOfRange: (400, "MMC.111071044"),
    errors.CyclePointMissing: (400, "MMC.111071045"),
    errors.CyclePointOutOfRange: (400, "MMC.111071046"),
    errors.CycleNoOccurrence: (400, "MMC.111071069"),
    errors.SubMeetingOutOfRange: (400, "MMC.111071119"),
    errors.SubMeetingIdsEmpty: (400, "MMC.111071016"),
    errors.NotRecurring: (400, "MMC.111070005"),
    errors.ControlTokenMissing: (401, "MMC.111070111"),
    errors.ControlTokenInvalid: (401, "MMC.111070004"),
    errors.ConferenceAuthFailed: (400, "MMC.111072065"),
    errors.ControlLoginLocked: (429, "MMC.111072064"),
    errors.GuestNotAllowed: (403, "MMC.111072070"),
    errors.AccessTokenInvalid: (401, "USG.000000004"),
    errors.AccountAuthFailed: (401, "USG.006010000"),
    errors.AccountLoginLocked: (429, "USG.006030015"),
    errors.AppSignatureInvalid: (401, "USG.006010025"),
    errors.AppSignatureExpired: (401, "USG.006010057"),
    errors.AuthRequestMalformed: (400, "USG.000000003"),
    errors.AlreadyExists: (400, "MMC.111070001"),
    errors.ParticipantNotFound: (404, "MMC.111070005"),
    errors.NotEnterpriseAdmin: (403, "MMC.111070002"),
    errors.WebhookConfigNotFound: (400, "MMC.111070005"),
    errors.WebhookVerifyFailed: (400, "MMC.111070001"),
    errors.JanusEventsUnauthorized: (401, "USG.006010000"),
    errors.SiteNotFound: (400, "MMC.111072008"),
    errors.SwitchOutOfRange: (400, "MMC.111072045"),
    errors.RequestBodyEmpty: (400, "MMC.111072057"),
    errors.HostHandForbidden: (400, "MMC.111072069"),
    errors.HostCannotBeCohost: (400, "MMC.111072107"),
    errors.CallNumberEmpty: (400, "MMC.111072031"),
    errors.CallNumberTooLong: (400, "MMC.111072032"),
    errors.SiteNameEmpty: (400, "MMC.111072046"),
    errors.SiteNameTooLong: (400, "MMC.111072034"),
    errors.NewNameTooLong: (400, "MMC.111072047"),
    errors.SiteRoleOutOfRange: (400, "MMC.111072035"),
    errors.AttendeeNotFound: (400, "MMC.111072017"),
    errors.MeetingLocked: (400, "MMC.111072050"),
    errors.ChairPasswordWrong: (400, "MMC.111072018"),
    errors.TooManyParticipants: (400, "MMC.111072101"),
    errors.NotRecordingMeeting: (400, "MMC.111072020"),
    errors.LiveFailed: (400, "MMC.111072068"),
    errors.RecordingNotFound: (400, "MMC.111070005"),
}

INTERNAL = (500, "MMC.111070003", "System processing failure.")


def envelope(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = msgspec.json.encode({"error_code": code, "error_msg": message})
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def status_and_code(exc: errors.DomainError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in STATUS_AND_CODE:
            return STATUS_AND_CODE[cls]
    return 400, "MMC.111070001"


async def domain_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    status, code = status_and_code(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, errors.Throttled) else None
    return envelope(status, code, exc.message, headers)


async def wire_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WireError)
    return envelope(exc.status, exc.code, exc.message)


_HTTP_MESSAGES = {404: "Not found.", 405: "Method not allowed.", 413: "Request body too large."}


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    return envelope(exc.status_code, "MMC.111070001", message, dict(exc.headers or {}))


async def store_unavailable(_request: Request, _exc: Exception) -> Response:
    return envelope(503, "MMC.111070003", "The database is unavailable; retry shortly.", {"Retry-After": "1"})


async def internal_error(_request: Request, _exc: Exception) -> Response:
    status, code, message = INTERNAL
    return envelope(status, code, message)
