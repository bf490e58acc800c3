"""Builds the ASGI application from a Context; no module-level app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from overtime.api import errors, mmc_control, mmc_management, openapi, usg_auth, webhooks, websocket
from overtime.api import sandbox as sandbox_routes
from overtime.api.http import context, ok
from overtime.api.middleware import BodyLimit, RequestId
from overtime.api.proxy import ProxyHeaders, TrustedProxies
from overtime.domain.errors import DomainError
from overtime.realtime.hub import Hub
from overtime.realtime.relay import PgRelay
from overtime.realtime.webhooks import WebhookDispatcher
from overtime.scheduler.deadlines import Scheduler
from overtime.services import sandbox as sandbox_service
from overtime.services.context import Context
from overtime.storage.sql import StoreUnavailable

MAX_BODY_BYTES = 1024 * 1024
OPENAPI = openapi.document()
log = logging.getLogger("overtime")


async def health(request: Request) -> Response:
    """Cheap by default; `?deep=1` also reads the meetings table and answers 503 when it fails."""
    if request.query_params.get("deep") not in ("1", "true"):
        return ok({"status": "ok"})
    try:
        await context(request).store.check_read()
    except Exception:
        log.exception("health check: the database read failed")
        return errors.envelope(
            503, "MMC.111070003", "The database failed a read check.", {"Retry-After": "1"}
        )
    return ok({"status": "ok", "database": "ok"})


async def openapi_json(_request: Request) -> Response:
    return ok(OPENAPI)


def create_app(
    ctx: Context,
    *,
    sandbox: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
    ws_idle_seconds: float = 180.0,
    forwarded_allow_ips: str = "",
) -> ASGIApp:
    """The whole server. At start-up it first applies every deadline missed while it was down,
    in time order, then runs the deadline loop until shutdown. `forwarded_allow_ips`: the
    proxies whose `X-Forwarded-For` names the client (`overtime.api.proxy`); empty trusts none."""
    # Several replicas share a PostgreSQL database: a slow poll lets survivors take over the
    # deadlines of a replica that died, whatever woke it last.
    scheduler = Scheduler(
        ctx,
        poll_seconds=30.0 if ctx.store.is_sqlite else 5.0,
        before_run=(lambda: sandbox_service.load_clock(ctx)) if sandbox else None,
    )

    hub = Hub(ctx)
    relay = None if ctx.store.is_sqlite else PgRelay(ctx.store.url, ctx.bus, ctx.clock)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if sandbox:
            await sandbox_service.load_clock(ctx)
        await scheduler.run_due()
        tasks = [
            asyncio.create_task(scheduler.run_forever(), name="overtime-deadlines"),
            asyncio.create_task(hub.run_ticker(), name="overtime-ending-soon"),
            *([asyncio.create_task(relay.listen_forever(), name="overtime-relay")] if relay else []),
            asyncio.create_task(WebhookDispatcher(ctx).run_forever(), name="overtime-webhooks"),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if relay is not None:
                await relay.close()
            await ctx.store.close()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
            *usg_auth.routes,
            *mmc_management.routes,
            *mmc_control.routes,
            *webhooks.routes,
            *websocket.routes,
            *(sandbox_routes.routes if sandbox else []),
        ],
        exception_handlers={
            DomainError: errors.domain_error,
            errors.WireError: errors.wire_error,
            HTTPException: errors.http_error,
            StoreUnavailable: errors.store_unavailable,
            Exception: errors.internal_error,
        },
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.scheduler = scheduler
    app.state.hub = hub
    app.state.ws_idle_seconds = ws_idle_seconds
    inner: ASGIApp = SharedClock(app, ctx) if sandbox else app
    outer: ASGIApp = RequestId(BodyLimit(inner, max_body_bytes))
    trusted = TrustedProxies.parse(forwarded_allow_ips)
    return ProxyHeaders(outer, trusted) if trusted else outer


class SharedClock:
    """Sandbox mode: every request first takes the clock offset stored in the database, so all
    replicas on one database agree on the time the moment an advance has committed."""

    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await sandbox_service.load_clock(self.ctx)
        await self.app(scope, receive, send)
