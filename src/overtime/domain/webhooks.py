"""Enterprise webhooks (reference §7): a corp's subscription, which ledger entries become which
callback events, how a callback is serialised and signed, and the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from overtime.domain import errors
from overtime.domain.events import PROLONG as PROLONG
from overtime.domain.events import EventKind
from overtime.domain.meeting import EndReason, MeetingKind

MAX_SUBSCRIBER_ID = 128
MAX_SUBSCRIBER_KEY = 255
MAX_URL = 2048
RETRY_CAP = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
"""A failing event is retried for at least this long (from its first attempt), then dropped."""

VERIFY = "meeting.verify"
"""Ours: a running meeting's end moved (manual or automatic extension)."""


@dataclass(frozen=True)
class WebhookOptions:
    ca_file: Path | None = None
    """Extra CA certificates (PEM) trusted for subscribers, besides the system trust store."""
    retry_base_seconds: float = 1.0
    connect_timeout: float = 5.0
    timeout: float = 10.0


class WebhookStatus(IntEnum):
    ENABLED = 0
    DISABLED = 1
    LOCKED = 2


@dataclass(frozen=True)
class WebhookConfig:
    id: str
    corp_id: str
    subscriber_id: str
    subscriber_key: str
    url: str
    status: WebhookStatus
    created_at: datetime
    cursor: int = 0
    """Every ledger entry with an id up to this one has been turned into deliveries."""

    @classmethod
    def new(
        cls, corp_id: str, subscriber_id: str, subscriber_key: str, url: str, now: datetime
    ) -> WebhookConfig:
        if not 1 <= len(subscriber_id) <= MAX_SUBSCRIBER_ID:
            raise errors.InvalidParameter("subscriberId must be 1 to 128 characters.")
        if not 1 <= len(subscriber_key) <= MAX_SUBSCRIBER_KEY:
            raise errors.InvalidParameter("subscriberKey must be 1 to 255 characters.")
        check_url(url)
        return cls(
            id=secrets.token_hex(16),
            corp_id=corp_id,
            subscriber_id=subscriber_id,
            subscriber_key=subscriber_key,
            url=url,
            status=WebhookStatus.DISABLED,
            created_at=now,
        )


_LABEL = re.compile(r"^(?![-_])[A-Za-z0-9_-]{1,63}(?<![-_])$")


def check_url(url: str) -> None:
    """Callback URLs must be absolute HTTPS URLs (reference §7.1), with a host name or IP
    address, no user information, and no whitespace or control characters anywhere (urlsplit
    would silently drop a tab or CRLF, so the text is checked as sent)."""
    if len(url) > MAX_URL:
        raise errors.InvalidParameter(f"url is too long (at most {MAX_URL} characters).")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise errors.InvalidParameter("url is not a valid URL.") from None
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise errors.InvalidParameter("url must be an https:// URL.")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in url):
        raise errors.InvalidParameter("url must not contain spaces or control characters.")
    if parts.username is not None or parts.password is not None:
        raise errors.InvalidParameter("url must not contain a user name or password.")
    if not _valid_host(parts.hostname, bracketed=parts.netloc.rsplit("@", 1)[-1].startswith("[")):
        raise errors.InvalidParameter("url does not name a valid host.")


def _valid_host(host: str, *, bracketed: bool) -> bool:
    """An IPv6 address in brackets, an IPv4 address, or a DNS name of letters, digits,
    hyphens and underscores (container names have them; an internationalised name is given in
    its xn-- form), labels of at most 63 characters, at most 253 in all."""
    if bracketed:
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        return False
    # A name ending in an all-digit label would be a mistyped IPv4 address (1.2.3.999).
    return not labels[-1].isdigit()


def event_names(kind: EventKind, meeting_kind: MeetingKind | None, detail: str) -> list[str]:
    """The callback events one ledger entry becomes, in order (possibly none): the kind's own
    (`domain/events.py`), less what this meeting never did."""
    names = list(kind.effects.webhooks)
    if kind is EventKind.CREATED and meeting_kind not in (MeetingKind.SCHEDULED, MeetingKind.CYCLE):
        return []  # an instant meeting is announced by meeting.started
    if kind is EventKind.ENDED and detail == EndReason.EXPIRED.value:
        return [n for n in names if n != "meeting.end"]  # it never ran: only closed
    return names


@dataclass(frozen=True)
class Attendee:
    participant_id: str
    name: str
    role: str
    """`CHAIR` or `GENERAL`."""
    join_ms: int
    left_ms: int


def payload(
    conference_id: str,
    conf_uuid: str,
    *,
    attendee: Attendee | None = None,
    old_end_ms: int | None = None,
    new_end_ms: int | None = None,
    auto: bool = False,
    cycle_sub_id: str = "",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "meetingInfo": {
            "meetingID": conference_id,
            "meetingUUID": conf_uuid,
            "meetingCycleSubID": cycle_sub_id,
        }
    }
    if attendee is not None:
        body["attendeeInfo"] = {
            "userUUID": "",
            "userAgent": "",
            "account": "",
            "participantID": attendee.participant_id,
            "displayName": attendee.name,
            "joinTime": attendee.join_ms,
            "leftTime": attendee.left_ms,
            "role": attendee.role,
            "callNumber": "",
        }
    if old_end_ms is not None or new_end_ms is not None:
        body["prolongInfo"] = {"oldEndTime": old_end_ms, "newEndTime": new_end_ms, "auto": auto}
    return body


def idempotency_key(config_id: str, ledger_id: int, event: str) -> str:
    """Ours: the same for every attempt of one event to one subscription."""
    return f"{config_id}-{ledger_id}-{event}"


def event_info(event: str, at_ms: int, body: dict[str, Any] | None, event_id: str | None) -> str:
    """`eventInfo` as the exact compact JSON text that is signed and sent."""
    info: dict[str, Any] = {"event": event, "timestamp": at_ms}
    if body is not None:
        info["payload"] = body
    if event_id is not None:
        info["eventID"] = event_id
    return serialise(info)


def serialise(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def sign(key: str, app_id: str, timestamp_ms: int, nonce: str, event_info_json: str) -> str:
    message = f"{app_id}{timestamp_ms}{nonce}{event_info_json}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_nonce() -> str:
    return f"{secrets.randbelow(10**8):08d}"


@dataclass(frozen=True)
class Signer:
    app_id: str
    """The subscription's `subscriberId`."""
    key: str
    """The subscription's `subscriberKey`."""

    def body(self, event_info_json: str, timestamp_ms: int, nonce: str) -> bytes:
        """The POSTed body; `eventInfo` is embedded verbatim, so its bytes are the signed ones."""
        head = serialise(
            {
                "appID": self.app_id,
                "timestamp": timestamp_ms,
                "nonce": nonce,
                "signature": sign(self.key, self.app_id, timestamp_ms, nonce, event_info_json),
            }
        )
        return f'{head[:-1]},"eventInfo":{event_info_json}}}'.encode()


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """After the `attempts`-th failure: base, 2·base, 4·base, ... never more than 10 minutes."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(timedelta(seconds=base_seconds * 2**exponent), RETRY_CAP)


def verify_answer_ok(status: int, body: bytes, nonce: str) -> bool:
    """The subscriber's answer to `meeting.verify`: 200 with the same nonce echoed."""
    if status != 200:
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("event") == VERIFY and answer.get("nonce") == nonce
