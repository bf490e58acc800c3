"""The sandbox API's use cases (BEHAVIOUR §6): the shared clock, advancing it, the ledger, reset."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from overtime.domain import errors
from overtime.domain.clock import OffsetClock
from overtime.services import lifecycle
from overtime.services.context import Context
from overtime.storage.sql import LedgerEntry

MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600


def _clock(ctx: Context) -> OffsetClock:
    assert isinstance(ctx.clock, OffsetClock), "sandbox routes need the sandbox clock"
    return ctx.clock


async def load_clock(ctx: Context) -> None:
    """Takes the stored offset (at start, and whenever another replica may have moved it)."""
    async with ctx.store.read() as tx:
        _clock(ctx).offset_ms = await tx.clock_offset_ms()


async def advance(ctx: Context, lock: asyncio.Lock, seconds: float) -> datetime:
    """Moves the clock forward by `seconds`, applying every deadline that falls due on the way,
    each as of its own due time, before returning the new now."""
    if not 0 <= seconds <= MAX_ADVANCE_SECONDS:
        raise errors.InvalidParameter("seconds must be a number from 0 to 315360000.")
    clock = _clock(ctx)
    async with lock:
        async with ctx.store.write() as tx:
            offset = await tx.lock_clock() + round(seconds * 1000)
            await tx.set_clock_offset_ms(offset)
        target = clock.base.now() + timedelta(milliseconds=offset)
        await lifecycle.process_due(ctx, target, skip_locked=False)
        clock.offset_ms = offset
        # Anything due between `target` and now (the advance itself took time) is handled too.
        await lifecycle.process_due(ctx, clock.now(), skip_locked=False)
    return clock.now()


async def reset(ctx: Context, lock: asyncio.Lock) -> None:
    """Every meeting, control token, participant and ledger entry goes; accounts, their access
    tokens and the clock stay (time never runs backwards)."""
    async with lock, ctx.store.write() as tx:
        await tx.reset_meetings()


async def ledger(ctx: Context, conference_id: str) -> list[LedgerEntry]:
    async with ctx.store.read() as tx:
        if await tx.meeting(conference_id) is None:
            raise errors.MeetingNotFound()
        return await tx.ledger(conference_id)
