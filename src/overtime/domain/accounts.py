"""Accounts, apps and who may see what (BEHAVIOUR §5, reference §4.11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Owned(Protocol):
    """A meeting or anything of one: whose it is."""

    @property
    def owner_id(self) -> str: ...

    @property
    def corp_id(self) -> str: ...


@dataclass(frozen=True)
class Account:
    id: str
    """32 hex characters; Huawei's userUUID."""
    account: str
    name: str
    corp_id: str
    is_admin: bool
    password_hash: str
    """Empty for users created by App ID authentication: they cannot log in with a password."""
    app_id: str
    created_at: datetime

    def can_see(self, meeting: Owned) -> bool:
        """An ordinary member sees only meetings (and their recordings) they own; an enterprise
        admin all of the enterprise's. Anything else answers as if it did not exist."""
        if meeting.owner_id == self.id:
            return True
        return self.is_admin and meeting.corp_id == self.corp_id


@dataclass(frozen=True)
class App:
    app_id: str
    app_key: str
    """Kept as given: verifying an HMAC needs the key itself (as with any HMAC scheme)."""
    corp_id: str
    created_at: datetime
