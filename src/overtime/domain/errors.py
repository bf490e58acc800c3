"""Every way a request can be refused. The docstring of each class is its default message;
`overtime.api.errors` alone knows the HTTP status and Huawei code of each."""

from __future__ import annotations


class DomainError(Exception):
    """Request refused."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0])


class Throttled(DomainError):
    """Too many failed attempts; try again later."""

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# -- request contents ---------------------------------------------------------------------------


class InvalidParameter(DomainError):
    """Parameter validation failed."""


class AutoModeInvalid(DomainError):
    """Invalid auto-extension value."""


class DurationOutOfRange(DomainError):
    """Duration out of range."""


class LengthOutOfRange(DomainError):
    """Meeting length must be between 15 and 1440 minutes."""


class SubjectTooLong(DomainError):
    """Subject is longer than 128 characters."""


class StartTimeInPast(DomainError):
    """Start time is earlier than the current time."""


class GuestPasswordInvalid(DomainError):
    """Guest password must be 4 to 16 digits."""


class GuestPasswordConflict(DomainError):
    """Guest password must differ from the host password."""


# -- meetings -----------------------------------------------------------------------------------


class MeetingNotFound(DomainError):
    """Meeting does not exist."""


class MeetingAlreadyStarted(DomainError):
    """The meeting has started and can no longer be edited."""


class MeetingInProgress(DomainError):
    """The meeting is in progress; cancel it with type=1 to end it."""


class MeetingNotStarted(DomainError):
    """The meeting has not started or has already ended."""


class MeetingEnded(DomainError):
    """The meeting has ended."""


# -- recurring meetings (BEHAVIOUR §9) ----------------------------------------------------------


class CycleParamsMissing(DomainError):
    """A recurring meeting needs cycleParams."""


class CycleStartDateMissing(DomainError):
    """cycleParams.startDate is required."""


class CycleEndDateMissing(DomainError):
    """cycleParams.endDate is required."""


class CycleInvalid(DomainError):
    """cycleParams.cycle must be Day, Week or Month."""


class CycleIntervalOutOfRange(DomainError):
    """cycleParams.interval is out of range."""


class CyclePointMissing(DomainError):
    """cycleParams.point is required for a weekly or monthly cycle."""


class CyclePointOutOfRange(DomainError):
    """cycleParams.point is out of range."""


class CycleNoOccurrence(DomainError):
    """No meeting falls in the selected period."""


class SubMeetingOutOfRange(DomainError):
    """The sub-meeting's new time is out of range."""


class SubMeetingIdsEmpty(DomainError):
    """cycleSubConfIDs must not be empty."""


class NotRecurring(DomainError):
    """The meeting is not a recurring meeting."""


# -- meeting control ----------------------------------------------------------------------------


class ControlTokenMissing(DomainError):
    """Meeting control token is empty."""


class ControlTokenInvalid(DomainError):
    """Meeting control token is invalid or expired."""


class ConferenceAuthFailed(DomainError):
    """CONF_NOT_FOUND_OR_AUTH_FAILED"""


class ControlLoginLocked(Throttled):
    """Too many wrong meeting passwords; control login is locked for a while."""


class GuestNotAllowed(DomainError):
    """This operation is not allowed for an attendee."""


# -- accounts and access tokens -----------------------------------------------------------------


class AccessTokenInvalid(DomainError):
    """Illegal request: the X-Access-Token is missing, invalid or expired."""


class AccountAuthFailed(DomainError):
    """Wrong account or password."""


class AccountLoginLocked(Throttled):
    """Too many failed logins; the account is locked for this client for a while."""


class AppSignatureInvalid(DomainError):
    """App ID authentication failed."""


class AppSignatureExpired(DomainError):
    """App ID authentication has expired."""


class AuthRequestMalformed(DomainError):
    """Invalid request parameter."""


class AlreadyExists(DomainError):
    """Already exists."""


class ParticipantNotFound(DomainError):
    """No such participant in this meeting."""


# -- webhooks -----------------------------------------------------------------------------------


class NotEnterpriseAdmin(DomainError):
    """Only an enterprise administrator may manage the enterprise's webhook subscription."""


class WebhookConfigNotFound(DomainError):
    """Webhook configuration does not exist."""


class WebhookVerifyFailed(DomainError):
    """The subscriber did not answer the meeting.verify handshake correctly."""


class JanusEventsUnauthorized(DomainError):
    """Janus events need HTTP Basic: user janus, password the events secret."""


# -- people in a meeting (BEHAVIOUR §8) ---------------------------------------------------------


class SiteNotFound(DomainError):
    """CONF_PARTICIPANT_NOT_EXIST: the participant is not in the meeting."""


class SwitchOutOfRange(DomainError):
    """ON_OFF_NOT_IN_RANGE: the switch value must be the integer 0 or 1."""


class RequestBodyEmpty(DomainError):
    """REQUEST_BODY_IS_NULL: the request body is empty."""


class HostHandForbidden(DomainError):
    """CONF_CHAIR_FORBIDDEN_HAND: the host's hand cannot be raised."""


class HostCannotBeCohost(DomainError):
    """CHAIR_CANNOT_BE_COHOST: the host cannot be made a co-host."""


class CallNumberEmpty(DomainError):
    """SITE_CALL_NUMBER_IS_EMPTY: the number must not be empty."""


class CallNumberTooLong(DomainError):
    """SITE_CALL_NUMBER_LENGTH_TOO_LONG: the number must be at most 32 characters."""


class SiteNameEmpty(DomainError):
    """SITE_NAME_IS_EMPTY: the name must not be empty."""


class SiteNameTooLong(DomainError):
    """SITE_NAME_LENGTH_TOO_LONG: the name must be at most 96 characters."""


class NewNameTooLong(DomainError):
    """SITE_NEW_NAME_LENGTH_TOO_LONG: the new name must be at most 96 characters."""


class SiteRoleOutOfRange(DomainError):
    """SITE_ROLE_NOT_IN_RANGE: role must be 0 or 1."""


class AttendeeNotFound(DomainError):
    """CONF_HAS_NO_ATTENDEE: the meeting has no such attendee."""


class MeetingLocked(DomainError):
    """CONF_LOCKED: the meeting is locked."""


class ChairPasswordWrong(DomainError):
    """CONF_CHAIRMAN_PWD_EXCEPTION: the host password is wrong."""


class TooManyParticipants(DomainError):
    """OVER_MAX_PARTICIPANT_NUMBER: the meeting has reached its maximum number of participants."""


# -- recording and live (BEHAVIOUR §10) ---------------------------------------------------------


class NotRecordingMeeting(DomainError):
    """CONF_NOT_SUPPORT_RECORD: the meeting's recordType does not allow recording."""


class LiveFailed(DomainError):
    """CONF_SETLIVE_FAILED: live needs recordType 1 or 3 and a liveAddress."""


class RecordingNotFound(DomainError):
    """Recording does not exist."""
