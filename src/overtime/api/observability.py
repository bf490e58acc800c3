"""Metrics and request logs: the `Observe` wrapper, `Metrics` (Prometheus) and `GET /metrics`.

Each server process has its own registry (no module-level one): replicas are scraped one by one
and each keeps its own series (`overtime_replica_info` names it). Counters move with requests,
applied deadlines and webhook attempts; gauges read the hub and, at scrape time, the database.
Labels are operation names, statuses and event kinds, never an account, a token or a meeting."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overtime.api import errors
from overtime.domain.events import MeetingEvent
from overtime.runtime import Runtime
from overtime.services import stats
from overtime.services.loop import WakeLoop
from overtime.storage.sql import StoreUnavailable

if TYPE_CHECKING:
    from overtime.api.operations import Operation

access = logging.getLogger("overtime.access")
lifecycle = logging.getLogger("overtime.lifecycle")

_ERROR_CODE = re.compile(rb'"error_code"\s*:\s*"([A-Za-z0-9.]{1,32})"')
STORE_UNAVAILABLE = "MMC.111070003"
SYSTEM = "system"
"""The actor of the changes the deadline loop applies (`Meeting.on_deadline`)."""


class Metrics:
    """The registry of one server process and the hooks that feed it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        disable_created_metrics()  # type: ignore[no-untyped-call] # `_created` series double the page and no dashboard reads them
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        Info("overtime_replica", "This server process (scrape each replica on its own).", registry=r).info(
            {"replica": f"{socket.gethostname()}:{os.getpid()}"}
        )
        self.requests = Counter(
            "overtime_http_requests", "HTTP requests by operation and status.", ["operation", "status"],
            registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "overtime_http_request_duration_seconds", "Time to answer, by operation.", ["operation"],
            registry=r, buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )  # fmt: skip
        self.running = Gauge(
            "overtime_meetings_running", "Meetings in progress (whole database).", registry=r
        )
        self.deadlines = Counter(
            "overtime_deadlines_applied", "Deadlines this process applied, by resulting change.", ["kind"],
            registry=r,
        )  # fmt: skip
        self.lateness = Histogram(
            "overtime_deadline_lateness_seconds", "How long after its time a deadline was applied.",
            registry=r, buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )  # fmt: skip
        subscribers = Gauge(
            "overtime_websocket_subscribers", "Open meeting-control WebSocket subscriptions.", registry=r
        )
        hub = runtime.hub
        subscribers.set_function(lambda: sum(len(subs) for subs in hub.subscribers.values()))
        self.webhook_queue = Gauge(
            "overtime_webhook_queue_depth", "Webhook deliveries waiting (whole database).", registry=r
        )
        self.webhook_attempts = Counter(
            "overtime_webhook_attempts", "Webhook delivery attempts by outcome.", ["outcome"], registry=r
        )
        for outcome in ("delivered", "failed"):
            self.webhook_attempts.labels(outcome)
        self.db_errors = Counter(
            "overtime_database_errors", "Requests, loop passes and scrapes the database failed.", registry=r
        )
        self.loop_failures = Counter(
            "overtime_loop_failures", "Failed passes of the background loops, by loop.", ["loop"], registry=r
        )
        loops: list[WakeLoop] = [runtime.scheduler, runtime.dispatcher]
        if runtime.media is not None:
            loops.append(runtime.media)
        for loop in loops:
            self.loop_failures.labels(loop.name)
            loop.on_failure = self._on_loop_failure
        runtime.dispatcher.on_attempt = self._on_attempt
        # Own changes only (a relay sees what this process committed, not other replicas' changes).
        runtime.ctx.bus.relay_to(self._on_events)

    def _on_loop_failure(self, loop: str, error: Exception) -> None:
        self.loop_failures.labels(loop).inc()
        if isinstance(error, StoreUnavailable | SQLAlchemyError):
            self.db_errors.inc()

    def _on_attempt(self, delivered: bool) -> None:
        self.webhook_attempts.labels("delivered" if delivered else "failed").inc()

    async def _on_events(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        now = self.runtime.ctx.clock.now()
        for e in events:
            if e.actor == SYSTEM:
                self.deadlines.labels(e.kind.value).inc()
                self.lateness.observe(max(0.0, (now - e.at).total_seconds()))
            if lifecycle.isEnabledFor(logging.INFO):
                lifecycle.info(
                    f"meeting.{e.kind.value}",
                    extra={
                        "fields": {
                            "conference_id": conference_id,
                            "actor": e.actor,
                            "at": e.at.isoformat(),
                            "old_end": e.old_end.isoformat() if e.old_end else None,
                            "new_end": e.new_end.isoformat() if e.new_end else None,
                            "detail": e.detail,
                        }
                    },
                )

    async def refresh(self) -> None:
        """Reads the database-wide gauges; a failed read counts as a database error."""
        try:
            counts = await stats.counts(self.runtime.ctx)
        except Exception:
            self.db_errors.inc()
            access.warning("metrics: the database read failed", exc_info=True)
            return
        self.running.set(counts.running_meetings)
        self.webhook_queue.set(counts.pending_webhooks)

    async def render(self) -> bytes:
        await self.refresh()
        return generate_latest(self.registry)


async def metrics(request: Request) -> Response:
    """The Prometheus text format; 404 when `--metrics-listen` serves it elsewhere or not at all."""
    served: Metrics | None = getattr(request.app.state, "metrics", None)
    if served is None:
        return errors.envelope(404, "MMC.111070001", "Not found.")
    return Response(await served.render(), media_type=CONTENT_TYPE_LATEST)


class Observe:
    """Around the app (outside `RequestId`, whose header it reads): times each HTTP request, counts it by operation and
    status and logs one line: request id, operation, status, error code, duration, account."""

    def __init__(self, app: ASGIApp, metrics: Metrics, operations: Iterable[Operation]) -> None:
        self.app = app
        self.metrics = metrics
        self.names: dict[tuple[str, object], str] = {(op.method, op.handler): op.name for op in operations}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        code = ""
        rid = ""

        async def observed(message: Message) -> None:
            nonlocal status, code, rid
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-request-id":
                        rid = value.decode()
            elif status >= 400 and not code and (found := _ERROR_CODE.search(message.get("body", b""))):
                code = found.group(1).decode()
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            self._done(scope, status, code, rid, time.perf_counter() - started)

    def _done(self, scope: Scope, status: int, code: str, rid: str, seconds: float) -> None:
        method = scope["method"]
        operation = self.names.get(("GET" if method == "HEAD" else method, scope.get("endpoint")), "unknown")
        m = self.metrics
        m.requests.labels(operation, str(status)).inc()
        m.latency.labels(operation).observe(seconds)
        if code == STORE_UNAVAILABLE and status == 503:
            m.db_errors.inc()
        if access.isEnabledFor(logging.INFO):
            state = scope.get("state") or {}
            access.info(
                "request",
                extra={
                    "fields": {
                        "request_id": rid,
                        "method": method,
                        "operation": operation,
                        "status": status,
                        "error_code": code or None,
                        "duration_ms": round(seconds * 1000, 2),
                        "account": state.get("account"),
                    }
                },
            )


async def serve_metrics(metrics: Metrics, sock: socket.socket) -> asyncio.Server:
    """`GET /metrics` in plain HTTP on a listener of its own (`--metrics-listen HOST:PORT`), in
    the server's event loop; every other request is 404. One request per connection."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            parts = head.split(b" ", 2)
            if len(parts) == 3 and parts[0] in (b"GET", b"HEAD") and parts[1].split(b"?")[0] == b"/metrics":
                status, ctype, body = b"200 OK", CONTENT_TYPE_LATEST.encode(), await metrics.render()
            else:
                status, ctype, body = b"404 Not Found", b"text/plain", b"not found\n"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype
                + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                + (b"" if parts[0] == b"HEAD" else body)
            )  # fmt: skip
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, sock=sock, limit=16 * 1024)
