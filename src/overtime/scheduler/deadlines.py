"""One loop per process: sleep exactly until the earliest stored deadline (or a wake-up), then
apply every due deadline. A wake-up only re-reads the earliest deadline; a pass (a write
transaction) runs only once something is due. A slow poll is the safety net for changes this
process did not see (decision 0006)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from overtime.domain.events import MeetingEvent
from overtime.services import lifecycle
from overtime.services.context import Context
from overtime.services.loop import WakeLoop

log = logging.getLogger("overtime")

TICK_SECONDS = 0.025
"""The shortest time between two passes: deadlines that fall due within it share one pass (and
its transaction). It bounds the lateness added by batching when deadlines are dense; when they
are sparse, each is applied when it falls due (decision 0006)."""


class Scheduler(WakeLoop):
    """The deadline loop: applies every deadline that is due, wakes on changes that move one."""

    name = "deadline loop"

    def __init__(
        self, ctx: Context, *, poll_seconds: float = 30.0, tick_seconds: float = TICK_SECONDS
    ) -> None:
        super().__init__(ctx, poll_seconds=poll_seconds, tick_seconds=tick_seconds)
        self.lock = asyncio.Lock()
        """Held while deadlines are applied, so the loop and a sandbox advance never interleave."""
        self._own: Sequence[MeetingEvent] | None = None
        """The changes this loop is publishing: they do not wake it (see `_on_events`)."""
        self._expected: datetime | None = None
        """The earliest deadline as last read: the timer that fires for it runs the pass without
        reading it again."""

    def wakes_on(self, events: Sequence[MeetingEvent]) -> bool:
        return any(e.kind.effects.moves_deadline for e in events)

    async def _on_events(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        # Applying a deadline only ever moves that meeting's deadline later (or removes it), and
        # the pass reads the earliest one left after its last write: its own changes need no
        # re-read. Anyone else's change may bring a deadline forward, and wakes the loop.
        if events is not self._own:
            await super()._on_events(conference_id, events)

    async def _publish_own(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        self._own = events
        try:
            await self.ctx.bus.publish(conference_id, events)
        finally:
            self._own = None

    async def run_due(self) -> int:
        """Applies every deadline due by the clock's now."""
        async with self.lock:
            await self.refresh_clock()
            applied, self._expected = await lifecycle.apply_due(
                self.ctx, self.ctx.clock.now(), publish=self._publish_own
            )
            return applied

    async def run_pass(self) -> None:
        await self.run_due()

    async def next_due(self) -> datetime | None:
        async with self.ctx.store.read() as tx:
            return await tx.next_deadline()

    async def check(self, *, woken: bool) -> datetime | None:
        """Applies what is due, if anything; returns the earliest deadline left. Woken by a
        change (or by the poll), it first re-reads the earliest deadline: nothing is written
        unless something is due."""
        async with self.lock:
            await self.refresh_clock()
            now = self.ctx.clock.now()
            following = self._expected
            if woken or following is None or following > now:
                following = await self.next_due()
            if following is not None and following <= now:
                _, following = await lifecycle.apply_due(self.ctx, now, publish=self._publish_own)
            self._expected = following
            return following

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        woken = True
        while True:
            try:
                started = loop.time()
                # Cleared before the check: a change committed during it wakes the next one.
                self._wake.clear()
                following = await self.check(woken=woken)
                delay = self.poll_seconds
                if following is not None:
                    # A millisecond past it: a timer may fire a little early, and would then cost
                    # a re-read and a tick.
                    delay = min(delay, (following - self.ctx.clock.now()).total_seconds() + 0.001)
                woken = True  # the poll re-reads too
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
                    woken = self._wake.is_set() or following is None or delay >= self.poll_seconds
                # Close deadlines and wake-ups (every change wakes the loop) share one pass a tick.
                await asyncio.sleep(max(0.0, started + self.tick_seconds - loop.time()))
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.exception("%s failed; retrying in 1 s", self.name)
                if self.on_failure is not None:
                    self.on_failure(self.name, e)
                self._expected = None
                woken = True
                await asyncio.sleep(1)
