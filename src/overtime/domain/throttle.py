"""Guessing limits: after `max_failures` failures within `window`, refuse for `lockout`
(BEHAVIOUR §5). Pure: the store keeps the state, the caller passes the time."""

from __future__ import annotations

from dataclasses import dataclass

MAX_FAILURES = 5
WINDOW_MS = 10 * 60 * 1000
LOCKOUT_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class Attempts:
    failures: int = 0
    window_start: int = 0
    locked_until: int = 0


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
