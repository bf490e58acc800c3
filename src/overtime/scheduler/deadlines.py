"""One loop per process: sleep until the earliest stored deadline (or a wake-up), then apply
every due deadline. A slow poll is the safety net for changes this process did not see."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from overtime.domain.events import MeetingEvent
from overtime.services import lifecycle
from overtime.services.context import Context
from overtime.services.loop import WakeLoop


class Scheduler(WakeLoop):
    """The deadline loop: applies every deadline that is due, wakes on changes that move one."""

    name = "deadline loop"

    def __init__(self, ctx: Context, *, poll_seconds: float = 30.0, tick_seconds: float = 0.1) -> None:
        super().__init__(ctx, poll_seconds=poll_seconds, tick_seconds=tick_seconds)
        self.lock = asyncio.Lock()
        """Held while deadlines are applied, so the loop and a sandbox advance never interleave."""

    def wakes_on(self, events: Sequence[MeetingEvent]) -> bool:
        return any(e.kind.effects.moves_deadline for e in events)

    async def run_due(self) -> int:
        """Applies every deadline due by the clock's now."""
        async with self.lock:
            await self.refresh_clock()
            return await lifecycle.process_due(self.ctx, self.ctx.clock.now())

    async def run_pass(self) -> None:
        await self.run_due()

    async def next_due(self) -> datetime | None:
        async with self.ctx.store.read() as tx:
            return await tx.next_deadline()
