"""The one shape of Overtime's background loops (the deadline loop, the webhook outbox): wake on
a committed change or at the next due time, with a slow poll as the safety net for work other
replicas committed; at most one pass per tick, so close wake-ups share a pass; re-read the
sandbox clock before each pass; log and retry after a failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from overtime.domain.clock import OffsetClock
from overtime.domain.meeting import MeetingEvent
from overtime.services import sandbox
from overtime.services.context import Context

log = logging.getLogger("overtime")


class WakeLoop:
    """Subclasses say what one pass does (`run_pass`), when work is next due (`next_due`) and
    which committed changes wake them (`wakes_on`)."""

    name = "loop"

    def __init__(self, ctx: Context, *, poll_seconds: float, tick_seconds: float = 0.1) -> None:
        self.ctx = ctx
        self.poll_seconds = poll_seconds
        """The longest sleep: the safety net for other replicas' work."""
        self.tick_seconds = tick_seconds
        """The loop runs at most once per tick, so work that falls due close together is done in
        one pass: a little lateness (< one tick) buys much less CPU per item."""
        self._wake = asyncio.Event()
        ctx.bus.subscribe(self._on_events)
        self.on_failure: Callable[[str, Exception], None] | None = None
        """Told the loop's name and the error of each failed pass, for the metrics."""

    async def _on_events(self, _conference_id: str, events: Sequence[MeetingEvent]) -> None:
        if self.wakes_on(events):
            self._wake.set()

    def wakes_on(self, events: Sequence[MeetingEvent]) -> bool:
        return True

    def wake(self) -> None:
        self._wake.set()

    async def refresh_clock(self) -> None:
        """The sandbox clock lives in the database (shared by replicas): re-read it."""
        if isinstance(self.ctx.clock, OffsetClock):
            await sandbox.load_clock(self.ctx)

    async def run_pass(self) -> None:
        """One pass; it starts with `refresh_clock()`."""
        raise NotImplementedError

    async def next_due(self) -> datetime | None:
        raise NotImplementedError

    async def sleep_until_due(self) -> None:
        delay = self.poll_seconds
        following = await self.next_due()
        if following is not None:
            delay = min(delay, max(self.tick_seconds, (following - self.ctx.clock.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                started = loop.time()
                # Cleared before the pass: a change committed during it wakes the next one.
                self._wake.clear()
                await self.run_pass()
                await self.sleep_until_due()
                # Wake-ups come with every change; one pass per tick is enough for all of them.
                await asyncio.sleep(max(0.0, started + self.tick_seconds - loop.time()))
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.exception("%s failed; retrying in 1 s", self.name)
                if self.on_failure is not None:
                    self.on_failure(self.name, e)
                await asyncio.sleep(1)
