"""The composition root: builds the store, the context, the deadline loop, the WebSocket hub, the
replica relay and the webhook dispatcher, and runs them for the life of a server. The edges (the
HTTP app, the command line) receive what is built here and build nothing themselves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from overtime.domain.clock import Clock, OffsetClock, SystemClock
from overtime.domain.webhooks import WebhookOptions
from overtime.realtime.hub import Hub
from overtime.realtime.relay import PgRelay
from overtime.realtime.webhooks import WebhookDispatcher
from overtime.scheduler.deadlines import Scheduler
from overtime.services import sandbox as sandbox_service
from overtime.services.context import Context
from overtime.storage.sql import Store


def context(database_url: str, *, pool_size: int, sandbox: bool, webhooks: WebhookOptions) -> Context:
    """The context a server runs with: its store, its clock (the sandbox clock with --sandbox)."""
    clock: Clock = OffsetClock(SystemClock()) if sandbox else SystemClock()
    return Context(Store(database_url, pool_size=pool_size), clock, webhooks=webhooks)


@dataclass
class Runtime:
    ctx: Context
    sandbox: bool
    scheduler: Scheduler
    hub: Hub
    dispatcher: WebhookDispatcher
    relay: PgRelay | None

    @classmethod
    def build(cls, ctx: Context, *, sandbox: bool = False) -> Runtime:
        # Several replicas share a PostgreSQL database: a slow poll lets survivors take over the
        # deadlines of a replica that died, whatever woke it last.
        poll = 30.0 if ctx.store.is_sqlite else 5.0
        return cls(
            ctx=ctx,
            sandbox=sandbox,
            scheduler=Scheduler(ctx, poll_seconds=poll),
            hub=Hub(ctx),
            dispatcher=WebhookDispatcher(ctx),
            relay=None if ctx.store.is_sqlite else PgRelay(ctx.store.url, ctx.bus, ctx.clock),
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """At start-up, first applies every deadline missed while the server was down, in time
        order; then runs the loops until the block ends, and closes the store."""
        if self.sandbox:
            await sandbox_service.load_clock(self.ctx)
        await self.scheduler.run_due()
        tasks = [
            asyncio.create_task(self.scheduler.run_forever(), name="overtime-deadlines"),
            asyncio.create_task(self.hub.run_ticker(), name="overtime-ending-soon"),
            asyncio.create_task(self.dispatcher.run_forever(), name="overtime-webhooks"),
        ]
        if self.relay is not None:
            tasks.append(asyncio.create_task(self.relay.listen_forever(), name="overtime-relay"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self.relay is not None:
                await self.relay.close()
            await self.ctx.store.close()
