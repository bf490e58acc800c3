"""Guessing limits: after `max_failures` failures within `window`, refuse for `lockout`
(BEHAVIOUR §5). Pure: the store keeps the state, the caller passes the time.

Counters are stored under `key(...)`: a SHA-256 digest of the normalised (scope, subject, client)
triple, so a stored key is 64 characters whatever the caller sends. The store deletes counters
that have lapsed (`lapsed`) when it adds one, and keeps at most `MAX_ROWS` of them."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass

MAX_FAILURES = 5
WINDOW_MS = 10 * 60 * 1000
LOCKOUT_MS = 10 * 60 * 1000
MAX_ROWS = 10_000
"""At most this many counters are kept; beyond it the store drops unlocked ones first, oldest
first (a flood of new keys cannot push a live lockout out before every idle counter is gone)."""

LOGIN = "login"
"""Account logins, per (account name, client)."""
CONFERENCE = "conf"
"""Meeting passwords (control token, activation), per (conference id, client)."""


@dataclass(frozen=True)
class Attempts:
    failures: int = 0
    window_start: int = 0
    locked_until: int = 0


def key(scope: str, subject: str, client: str) -> str:
    """The stored key of one counter: bounded (64 hex digits) and unambiguous (the parts are
    JSON-encoded before hashing, so no choice of subject can collide with another scope or
    client). The subject is NFC-normalised: a name spelled with combining characters shares
    the counter of its composed spelling."""
    parts = [scope, unicodedata.normalize("NFC", subject), client.strip().lower()]
    return hashlib.sha256(json.dumps(parts).encode("ascii")).hexdigest()


def retry_after_s(state: Attempts, now_ms: int) -> int | None:
    """Seconds to wait when locked, else None."""
    if state.locked_until > now_ms:
        return max(1, -(-(state.locked_until - now_ms) // 1000))
    return None


def after_failure(state: Attempts, now_ms: int) -> Attempts:
    if now_ms - state.window_start > WINDOW_MS or (state.locked_until and state.locked_until <= now_ms):
        state = Attempts(0, now_ms, 0)
    failures = state.failures + 1
    locked_until = now_ms + LOCKOUT_MS if failures >= MAX_FAILURES else 0
    return Attempts(failures, state.window_start, locked_until)


def lapsed_before(now_ms: int) -> int:
    """Counters whose window started before this instant and that are not locked at `now_ms`
    change nothing any more: the next failure would start them afresh."""
    return now_ms - WINDOW_MS
