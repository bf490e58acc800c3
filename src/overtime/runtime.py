"""The composition root: builds the store, the context, the deadline loop, the WebSocket hub, the
replica relay, the webhook dispatcher and (`--media janus`) the media dispatcher, and runs them for the life of a server. The edges (the
HTTP app, the command line) receive what is built here and build nothing themselves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from overtime.domain.clock import Clock, OffsetClock, SystemClock
from overtime.domain.webhooks import WebhookOptions
from overtime.media.dispatcher import MediaDispatcher
from overtime.media.events import EventsAuth
from overtime.media.janus import JanusClient
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


@dataclass(frozen=True)
class MediaOptions:
    """`--media janus` (issue 16): where Janus' HTTP API is and the events secret."""

    janus_url: str
    events_secret: str
    check_seconds: float = 2.0


@dataclass
class Runtime:
    ctx: Context
    sandbox: bool
    scheduler: Scheduler
    hub: Hub
    dispatcher: WebhookDispatcher
    relay: PgRelay | None
    media: MediaDispatcher | None = None
    """With `--media janus`: the loop that makes Janus follow the meetings."""
    janus_events: EventsAuth | None = None
    """With `--media janus`: who may post Janus' events."""

    @classmethod
    def build(cls, ctx: Context, *, sandbox: bool = False, media: MediaOptions | None = None) -> Runtime:
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
            media=(
                MediaDispatcher(ctx, JanusClient(media.janus_url), check_seconds=media.check_seconds)
                if media
                else None
            ),
            janus_events=EventsAuth.of(media.events_secret) if media else None,
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
        if self.media is not None:
            tasks.append(asyncio.create_task(self.media.run_forever(), name="overtime-media"))
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
