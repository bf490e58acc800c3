"""Wire formats the tests convert to and from: Huawei's meeting times, epoch milliseconds and
the `Basic` form of a credential or token. Defined here once for every suite."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

WIRE_TIME = "%Y-%m-%d %H:%M"
"""`startTime` / `endTime` on the wire: UTC, to the minute."""


def wire_time(moment: datetime) -> str:
    """datetime -> wire string ("2026-01-05 09:30", UTC)."""
    return moment.astimezone(UTC).strftime(WIRE_TIME)


def parse_wire_time(value: str) -> datetime:
    """Wire string -> aware UTC datetime."""
    return datetime.strptime(value, WIRE_TIME).replace(tzinfo=UTC)


def this_minute() -> datetime:
    """The wall clock's current minute (wire times have no seconds)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def now_ms() -> int:
    """The wall clock in epoch milliseconds, as `startDate`, `expireTime` and friends."""
    return int(time.time() * 1000)


def basic(credentials: str) -> str:
    """`Basic <base64>` of "account:password" or of a control token."""
    return "Basic " + base64.b64encode(credentials.encode()).decode()
