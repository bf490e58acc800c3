"""Use cases of the testing toolkit (issue 13): wiping the whole state for a clean slate."""

from __future__ import annotations

import asyncio

from overtime.services import sandbox
from overtime.services.context import Context
from overtime.storage.wipe import wipe


async def wipe_all(ctx: Context, lock: asyncio.Lock) -> None:
    """Every account, app, token, meeting, participant, ledger entry and webhook subscription
    goes, and the sandbox clock returns to the wall clock (offset 0)."""
    async with lock:
        async with ctx.store.write() as tx:
            await wipe(tx)
        await sandbox.load_clock(ctx)
