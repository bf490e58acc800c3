"""Access tokens (USG) and meeting-control tokens (MMC): their lifetimes and records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

ACCESS_TOKEN_TTL = timedelta(hours=24)
REFRESH_TOKEN_TTL = timedelta(days=30)
CONTROL_TOKEN_TTL = timedelta(minutes=30)
WS_TOKEN_TTL = timedelta(minutes=1)
API_CLIENT_TYPE = 72
MAX_TOKENS_API_CLIENT = 64
MAX_TOKENS_OTHER_CLIENT = 1


class Role(IntEnum):
    ATTENDEE = 0
    CHAIR = 1


def max_live_tokens(client_type: int) -> int:
    return MAX_TOKENS_API_CLIENT if client_type == API_CLIENT_TYPE else MAX_TOKENS_OTHER_CLIENT


@dataclass(frozen=True)
class AccessToken:
    digest: str
    refresh_digest: str
    account_id: str
    client_type: int
    client_ip: str
    created_at: datetime
    expires_at: datetime
    refresh_expires_at: datetime

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class IssuedAccessToken:
    """A freshly minted token: the only moment the raw secrets exist."""

    token: str
    refresh_token: str
    record: AccessToken


@dataclass(frozen=True)
class ControlToken:
    digest: str
    conference_id: str
    conf_uuid: str
    """The run it was issued for: once that run ends, the token changes nothing."""
    role: Role
    created_at: datetime
    expires_at: datetime

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class IssuedControlToken:
    token: str
    record: ControlToken
