"""One loop per process: sleep until the earliest stored deadline (or a wake-up), then apply
every due deadline. A slow poll is the safety net for changes this process did not see."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from overtime.domain.meeting import EventKind, MeetingEvent
from overtime.services import lifecycle
from overtime.services.context import Context

log = logging.getLogger("overtime.scheduler")

_MOVES_DEADLINE = frozenset(
    {
        EventKind.CREATED,
        EventKind.UPDATED,
        EventKind.STARTED,
        EventKind.EXTENDED,
        EventKind.AUTO_EXTENSION_SET,
    }
)


class Scheduler:
    def __init__(
        self,
        ctx: Context,
        *,
        poll_seconds: float = 30.0,
        tick_seconds: float = 0.1,
        before_run: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.ctx = ctx
        self.before_run = before_run
        """Called before each pass (the sandbox reloads the shared clock there)."""
        self.poll_seconds = poll_seconds
        self.tick_seconds = tick_seconds
        """The loop runs at most once per tick, so deadlines that fall close together are applied
        in one transaction: a little lateness (< one tick) buys much less CPU per deadline."""
        self.lock = asyncio.Lock()
        """Held while deadlines are applied, so the loop and a sandbox advance never interleave."""
        self._wake = asyncio.Event()
        ctx.bus.subscribe(self._on_events)

    async def _on_events(self, _conference_id: str, events: Sequence[MeetingEvent]) -> None:
        if any(e.kind in _MOVES_DEADLINE for e in events):
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def run_due(self) -> int:
        """Applies every deadline due by the clock's now."""
        async with self.lock:
            if self.before_run is not None:
                await self.before_run()
            return await lifecycle.process_due(self.ctx, self.ctx.clock.now())

    async def _sleep_until_next(self) -> None:
        self._wake.clear()
        async with self.ctx.store.read() as tx:
            following = await tx.next_deadline()
        delay = self.poll_seconds
        if following is not None:
            delay = min(delay, max(self.tick_seconds, (following - self.ctx.clock.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                started = loop.time()
                await self.run_due()
                await self._sleep_until_next()
                # Wake-ups come with every change; one pass per tick is enough for all of them.
                await asyncio.sleep(max(0.0, started + self.tick_seconds - loop.time()))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("deadline loop failed; retrying in 1 s")
                await asyncio.sleep(1)
