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
from collections.abc import Sequence

import httpx

from overtime.domain.clock import OffsetClock
from overtime.domain.meeting import MeetingEvent
from overtime.services import sandbox
from overtime.services import webhooks as service
from overtime.services.context import Context
from overtime.storage.webhooks import Delivery

log = logging.getLogger("overtime.webhooks")


class WebhookDispatcher:
    def __init__(
        self,
        ctx: Context,
        *,
        poll_seconds: float = 1.0,
        tick_seconds: float = 0.1,
        concurrency: int = 16,
        prune_every_seconds: float = 3600.0,
    ) -> None:
        self.ctx = ctx
        self.poll_seconds = poll_seconds
        """The longest sleep: the safety net for other replicas' entries and due retries."""
        self.tick_seconds = tick_seconds
        self.concurrency = concurrency
        self.prune_every_seconds = prune_every_seconds
        self.gaps = service.Gaps()
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        ctx.bus.subscribe(self._on_events)

    async def _on_events(self, _conference_id: str, _events: Sequence[MeetingEvent]) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        last_prune = loop.time()
        client: httpx.AsyncClient | None = None
        try:
            while True:
                try:
                    if client is None:
                        client = service.http_client(self.ctx.webhooks)
                    self._wake.clear()
                    await self.pass_once(client)
                    if loop.time() - last_prune > self.prune_every_seconds:
                        last_prune = loop.time()
                        await service.prune(self.ctx)
                    await self._sleep()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook loop failed; retrying in 1 s")
                    await asyncio.sleep(1)
        finally:
            for task in list(self._inflight.values()):
                task.cancel()
            for task in list(self._inflight.values()):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if client is not None:
                await client.aclose()

    async def pass_once(self, client: httpx.AsyncClient) -> None:
        """Fans out new ledger entries, then starts every due delivery there is room for."""
        if isinstance(self.ctx.clock, OffsetClock):
            await sandbox.load_clock(self.ctx)
        if await service.pending_ledger(self.ctx):
            await service.fan_out(self.ctx, self.gaps)
        room = self.concurrency - len(self._inflight)
        if room <= 0:
            return
        for delivery in await service.due(self.ctx, room, list(self._inflight)):
            task = asyncio.create_task(self._attempt(client, delivery), name=f"webhook-{delivery.id}")
            self._inflight[delivery.id] = task

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        try:
            await service.attempt(self.ctx, client, delivery)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook delivery %s failed to run", delivery.id)
        finally:
            self._inflight.pop(delivery.id, None)
            # The meeting's next event may be due now.
            self._wake.set()

    async def _sleep(self) -> None:
        delay = self.poll_seconds
        following = await service.next_due(self.ctx)
        if following is not None:
            # Due work that is in flight (here or in another replica) is not waited on busily:
            # a finished attempt wakes the loop.
            delay = min(delay, max(self.tick_seconds, (following - self.ctx.clock.now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
