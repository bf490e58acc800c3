"""The HTTP edge: the ASGI application over a built `Runtime` (`overtime.runtime`): the routes of
the operations table, the WebSocket, the exception handlers and the raw ASGI wrappers. It builds
no loops, hubs or stores; no module-level app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from overtime.api import console, errors, observability, openapi, operations, toolkit_middleware, websocket
from overtime.api.middleware import BodyLimit, RequestId
from overtime.api.proxy import ProxyHeaders, TrustedProxies
from overtime.api.routing import Router
from overtime.domain.errors import DomainError
from overtime.runtime import Runtime
from overtime.services import sandbox as sandbox_service
from overtime.services.context import Context
from overtime.storage.sql import StoreUnavailable

MAX_BODY_BYTES = 1024 * 1024


def create_app(
    runtime: Runtime,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    ws_idle_seconds: float = 180.0,
    forwarded_allow_ips: str = "",
    metrics: observability.Metrics | None = None,
    metrics_route: bool = True,
) -> ASGIApp:
    """The whole server; the runtime's loops run for the app's lifespan. `forwarded_allow_ips`:
    the proxies whose `X-Forwarded-For` names the client (`overtime.api.proxy`); empty trusts none.
    `metrics`: the process's registry (made here if not given); `metrics_route=False` answers
    `GET /metrics` 404 (served on a listener of its own, or not at all)."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    sandbox = runtime.sandbox
    routes = [*operations.routes(sandbox=sandbox), *websocket.routes, *console.routes(sandbox=sandbox)]
    app = Starlette(
        routes=routes,
        exception_handlers={
            DomainError: errors.domain_error,
            errors.WireError: errors.wire_error,
            HTTPException: errors.http_error,
            StoreUnavailable: errors.store_unavailable,
            Exception: errors.internal_error,
        },
        lifespan=lifespan,
    )
    app.router = Router(routes, lifespan=lifespan)
    app.state.ctx = runtime.ctx
    app.state.scheduler = runtime.scheduler
    app.state.hub = runtime.hub
    app.state.media = runtime.media
    app.state.janus_events = runtime.janus_events
    app.state.ws_idle_seconds = ws_idle_seconds
    app.state.openapi = openapi.document(operations.served(sandbox=sandbox))
    metrics = metrics or observability.Metrics(runtime)
    app.state.metrics = metrics if metrics_route else None
    kept: ASGIApp = websocket.KeepSend(app)  # the WebSocket's send for its frames
    inner: ASGIApp = SharedClock(kept, runtime.ctx) if sandbox else kept
    inner = toolkit_middleware.install(app, inner, runtime) if sandbox else inner
    outer: ASGIApp = RequestId(BodyLimit(inner, max_body_bytes))
    outer = observability.Observe(outer, metrics, operations.served(sandbox=sandbox))
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
