"""Where time comes from. Nothing else in Overtime reads the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        """Millisecond precision: what the store keeps, so a value survives a round trip."""
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class OffsetClock:
    """The sandbox clock: another clock moved forward by `offset_ms` (stored in the database so
    that replicas share it, BEHAVIOUR §6). It never goes backwards on its own."""

    def __init__(self, base: Clock, offset_ms: int = 0) -> None:
        self.base = base
        self.offset_ms = offset_ms

    def now(self) -> datetime:
        return self.base.now() + timedelta(milliseconds=self.offset_ms)
