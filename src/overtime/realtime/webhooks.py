"""Enterprise webhooks: delivery of the ledger to subscribers (being built; see issue 5)."""

from __future__ import annotations

import asyncio

from overtime.services.context import Context


class WebhookDispatcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def run_forever(self) -> None:
        await asyncio.Event().wait()
