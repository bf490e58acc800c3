"""The sandbox's testing middleware (issue 13), installed only with `--sandbox`: it applies the
fault rules (`api/faults.py`) and writes the request journal (`api/journal.py`).

`install` creates both, keeps them on `app.state` (`journal`, `faults`) for the sandbox routes,
and returns the wrapped application."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overtime.api import operations
from overtime.api.errors import envelope
from overtime.api.faults import Faults, Rule
from overtime.api.journal import MAX_BODY_CHARS, Entry, Journal, is_secret, mask_body
from overtime.domain.clock import to_ms
from overtime.domain.errors import DomainError
from overtime.realtime.hub import Hub
from overtime.runtime import Runtime
from overtime.services import auth
from overtime.services import webhooks as webhook_service
from overtime.services.context import Context

UNJOURNALED = ("/sandbox/v1/requests", "/sandbox/v1/wipe")
"""The journal's own routes are not journaled (reading it would fill it), nor the wipe."""
FAULT_CLOSE_CODE = 1011
_CONFERENCE_IN_PATH = re.compile(r"/conferences/([^/]+)")


def _operation_names() -> Callable[[str, str], str]:
    table = [(op.method, compile_path(op.path)[0], op.name) for op in operations.OPERATIONS]

    def name(method: str, path: str) -> str:
        for m, regex, op_name in table:
            if m == method and regex.match(path):
                return op_name
        return ""

    return name


def _basic_account(header: str) -> str:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return ""


class Toolkit:
    def __init__(self, app: ASGIApp, ctx: Context, hub: Hub) -> None:
        self.app = app
        self.ctx = ctx
        self.hub = hub
        self.journal = Journal()
        self.faults = Faults()
        self.operation = _operation_names()

    def _now_ms(self) -> int:
        return to_ms(self.ctx.clock.now())

    async def _account(self, headers: dict[str, str]) -> str:
        if "authorization" in headers:
            return _basic_account(headers["authorization"])
        token = headers.get("x-access-token")
        if not token:
            return ""
        known = self.journal.tokens.get(token)
        if known is None:
            try:
                known = (await auth.authenticate(self.ctx, token)).account.account
            except DomainError:
                return ""
            except Exception:  # the store is down: the journal does without the account
                return ""
            self.journal.remember_token(token, known)
        return known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] != "http" or scope["path"].startswith(UNJOURNALED):
            await self.app(scope, receive, send)
        else:
            await self._http(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        conference_id = query.get("confID", "")

        async def journaled_send(message: Message) -> None:
            await send(message)
            if message["type"] == "websocket.send":
                raw = message.get("bytes") or (message.get("text") or "").encode()
                body, cut = mask_body(raw)
                self.journal.add(
                    Entry(
                        id=0,
                        kind="websocket",
                        time=self._now_ms(),
                        path=scope["path"],
                        conferenceID=conference_id,
                        responseBody=body,
                        truncated=cut,
                    )
                )

        await self.app(scope, receive, journaled_send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        found = _CONFERENCE_IN_PATH.search(path)
        conference_id = query.get("conferenceID") or (found.group(1) if found else "")
        operation = self.operation(method, path)
        account = await self._account(headers)
        entry = Entry(
            id=0,
            kind="http",
            time=self._now_ms(),
            method=method,
            path=path,
            query={k: ("***" if is_secret(k) else v) for k, v in query.items()},
            operation=operation,
            account=account,
            conferenceID=conference_id,
        )
        request_body = bytearray()
        response_body = bytearray()

        async def journaled_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) <= MAX_BODY_CHARS:
                request_body.extend(message.get("body", b"")[: MAX_BODY_CHARS + 1])
            return message

        async def journaled_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = int(message["status"])
            elif message["type"] == "http.response.body" and len(response_body) <= MAX_BODY_CHARS:
                response_body.extend(message.get("body", b"")[: MAX_BODY_CHARS + 1])
            await send(message)

        rule = self.faults.pick(method, path, operation, conference_id, account, entry.time)
        try:
            if rule is None:
                await self.app(scope, journaled_receive, journaled_send)
            else:
                entry.fault = rule.id
                await self._fault(rule, conference_id, scope, journaled_receive, journaled_send)
        finally:
            entry.durationMs = round((time.perf_counter() - started) * 1000, 3)
            entry.requestBody, cut_request = mask_body(bytes(request_body))
            entry.responseBody, cut_response = mask_body(bytes(response_body))
            entry.truncated = cut_request or cut_response
            answered = entry.responseBody
            if isinstance(answered, dict):
                entry.errorCode = str(answered.get("error_code", ""))
            if not entry.conferenceID and isinstance(answered, list) and answered:
                answered = answered[0]  # create_meeting answers a list of one
            if not entry.conferenceID and isinstance(answered, dict):
                entry.conferenceID = str(answered.get("conferenceID") or "")
            if operation == "create_token" and entry.status == 200 and account:
                token = _access_token(bytes(response_body))
                if token:
                    self.journal.remember_token(token, account)
            self.journal.add(entry)

    async def _fault(
        self, rule: Rule, conference_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if rule.delayMs:
            await asyncio.sleep(rule.delayMs / 1000)
        if rule.action == "error":
            await envelope(rule.status, rule.errorCode, rule.errorMsg)(scope, receive, send)
        elif rule.action == "drop":
            # A head promising a body that never comes: the HTTP server closes the connection
            # mid-answer, as a crashed or cut-off server would.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
        else:
            if rule.action == "close_websockets":
                for sub in list(self.hub.subscribers.get(conference_id, ())):
                    sub.finish(FAULT_CLOSE_CODE, f"closed by sandbox fault rule {rule.id}")
            await self.app(scope, receive, send)


def _access_token(raw: bytes) -> str:
    import msgspec

    try:
        body: Any = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return ""
    token = body.get("accessToken") if isinstance(body, dict) else None
    return token if isinstance(token, str) else ""


def _journal_webhooks(journal: Journal, runtime: Runtime) -> None:
    """Every webhook POST the dispatcher makes (and its answer) goes into the journal: the
    dispatcher's HTTP client is made here, with hooks, instead of on its first pass."""
    ctx = runtime.ctx

    async def started(request: httpx.Request) -> None:
        request.extensions["overtime_started"] = time.perf_counter()

    async def answered(response: httpx.Response) -> None:
        request = response.request
        body, cut = mask_body(request.content[: MAX_BODY_CHARS + 1])
        info = body.get("eventInfo") if isinstance(body, dict) else None
        payload = info.get("payload") if isinstance(info, dict) else None
        meeting = payload.get("meetingInfo") if isinstance(payload, dict) else None
        begun = request.extensions.get("overtime_started", time.perf_counter())
        journal.add(
            Entry(
                id=0,
                kind="webhook",
                time=to_ms(ctx.clock.now()),
                method=request.method,
                path=str(request.url),
                operation=str(info.get("event", "")) if isinstance(info, dict) else "",
                status=response.status_code,
                conferenceID=str(meeting.get("meetingID", "")) if isinstance(meeting, dict) else "",
                durationMs=round((time.perf_counter() - begun) * 1000, 3),
                requestBody=body,
                truncated=cut,
            )
        )

    client = webhook_service.http_client(ctx.webhooks)
    client.event_hooks = {"request": [started], "response": [answered]}
    runtime.dispatcher._client = client


_JOURNALS: dict[int, Journal] = {}
"""The journal installed for each runtime's context (by `id`), for `close_streams`."""


def close_streams(ctx: Context) -> None:
    """Ends the journal streams of the server running with `ctx` (call before stopping the HTTP
    server, which otherwise waits for them to end)."""
    journal = _JOURNALS.pop(id(ctx), None)
    if journal is not None:
        journal.close_readers()


def install(app: Starlette, inner: ASGIApp, runtime: Runtime) -> ASGIApp:
    """Wraps `inner` in the toolkit and publishes its journal and fault rules (and the webhook
    dispatcher) on `app.state`."""
    toolkit = Toolkit(inner, runtime.ctx, runtime.hub)
    app.state.journal = toolkit.journal
    app.state.faults = toolkit.faults
    app.state.dispatcher = runtime.dispatcher
    _JOURNALS[id(runtime.ctx)] = toolkit.journal
    _journal_webhooks(toolkit.journal, runtime)
    return toolkit
