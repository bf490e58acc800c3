"""Enterprise webhooks: delivery of the ledger to subscribers (reference §7.5).

The ledger (`meeting_events`) is the transactional outbox: every meeting change writes its entry
in its own transaction, and this loop, in every replica, turns new entries into deliveries
(`services.webhooks.fan_out`) and posts them, oldest first per meeting, retrying failures with
exponential backoff for at least 24 hours. All delivery state is in the database, so nothing is
lost when the subscriber is down or the server restarts; a delivery cut off mid-post is posted
again (subscribers dedupe on the idempotency key)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import httpx

from overtime.services import webhooks as service
from overtime.services.context import Context
from overtime.services.loop import WakeLoop
from overtime.storage.webhooks import Delivery

log = logging.getLogger("overtime.webhooks")


class WebhookDispatcher(WakeLoop):
    name = "webhook loop"

    def __init__(
        self,
        ctx: Context,
        *,
        poll_seconds: float = 1.0,
        tick_seconds: float = 0.1,
        concurrency: int = 16,
        prune_every_seconds: float = 3600.0,
    ) -> None:
        super().__init__(ctx, poll_seconds=poll_seconds, tick_seconds=tick_seconds)
        self.concurrency = concurrency
        self.prune_every_seconds = prune_every_seconds
        self.gaps = service.Gaps()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None
        self._last_prune = 0.0
        self.on_attempt: Callable[[bool], None] | None = None
        """Told each attempt's outcome (True: delivered), for the metrics."""

    async def run_forever(self) -> None:
        self._last_prune = asyncio.get_running_loop().time()
        try:
            await super().run_forever()
        finally:
            for task in list(self._inflight.values()):
                task.cancel()
            for task in list(self._inflight.values()):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if self._client is not None:
                await self._client.aclose()

    async def run_pass(self) -> None:
        if self._client is None:
            self._client = service.http_client(self.ctx.webhooks)
        await self.pass_once(self._client)
        now = asyncio.get_running_loop().time()
        if now - self._last_prune > self.prune_every_seconds:
            self._last_prune = now
            await service.prune(self.ctx)

    async def pass_once(self, client: httpx.AsyncClient) -> None:
        """Fans out new ledger entries, then starts every due delivery there is room for."""
        await self.refresh_clock()
        if await service.pending_ledger(self.ctx):
            await service.fan_out(self.ctx, self.gaps)
        room = self.concurrency - len(self._inflight)
        if room <= 0:
            return
        for delivery in await service.due(self.ctx, room, list(self._inflight)):
            task = asyncio.create_task(self._attempt(client, delivery), name=f"webhook-{delivery.id}")
            self._inflight[delivery.id] = task

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        delivered = False
        try:
            delivered = await service.attempt(self.ctx, client, delivery)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook delivery %s failed to run", delivery.id)
        finally:
            self._inflight.pop(delivery.id, None)
            # The meeting's next event may be due now.
            self.wake()
        if self.on_attempt is not None:
            self.on_attempt(delivered)

    async def next_due(self) -> datetime | None:
        # Due work that is in flight (here or in another replica) is not waited on busily: a
        # finished attempt wakes the loop.
        return await service.next_due(self.ctx)
