"""Guessing limits (BEHAVIOUR §5), written once for account logins, control tokens and
activation: check the counter before looking at the secret, then count the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from overtime.domain import credentials, errors, throttle
from overtime.domain.clock import to_ms
from overtime.storage.sql import Tx

MAX_CONFERENCE_ID = 20
"""The longest conference id that can exist (ours are 9 digits, Huawei's up to 20; the column)."""


@dataclass(frozen=True)
class Guard:
    """One (scope, subject, client) counter at one instant. `locked` is the error a locked
    caller gets (429 with Retry-After). `plausible` is False for a subject that cannot exist
    (too long for its column, control characters, NUL): the caller does not look it up (it is
    simply not found) but still counts the failure, so guessing with such names locks too."""

    key: str
    now_ms: int
    locked: type[errors.Throttled]
    plausible: bool

    @classmethod
    def of(
        cls,
        scope: str,
        subject: str,
        client_ip: str,
        now: datetime,
        *,
        locked: type[errors.Throttled],
        max_length: int,
    ) -> Guard:
        return cls(
            throttle.key(scope, subject, client_ip),
            to_ms(now),
            locked,
            credentials.plausible(subject, max_length),
        )

    async def check(self, tx: Tx) -> None:
        """Raises `locked` while the counter is locked."""
        wait = throttle.retry_after_s(await tx.attempts(self.key), self.now_ms)
        if wait is not None:
            raise self.locked(wait)

    async def record(self, tx: Tx, *, ok: bool) -> None:
        """A success clears the counter; a failure counts (and may lock it)."""
        if ok:
            await tx.clear_attempts(self.key)
        else:
            await tx.record_failure(self.key, self.now_ms)


def login(account: str, client_ip: str, now: datetime) -> Guard:
    """Account logins: 429 `USG.006030015` when locked."""
    return Guard.of(
        throttle.LOGIN,
        account,
        client_ip,
        now,
        locked=errors.AccountLoginLocked,
        max_length=credentials.MAX_ACCOUNT,
    )


def conference(conference_id: str, client_ip: str, now: datetime) -> Guard:
    """Meeting passwords (control token, activation): 429 `MMC.111072064` when locked."""
    return Guard.of(
        throttle.CONFERENCE,
        conference_id,
        client_ip,
        now,
        locked=errors.ControlLoginLocked,
        max_length=MAX_CONFERENCE_ID,
    )
