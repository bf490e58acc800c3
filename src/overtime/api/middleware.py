"""Raw ASGI wrappers around the whole app: the request id on every response, the body limit."""

from __future__ import annotations

import logging
import re
import uuid

import msgspec
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overtime.api.errors import INTERNAL, JSON, WireError

log = logging.getLogger("overtime")
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


async def _send_envelope(
    send: Send, status: int, code: str, message: str, extra: list[tuple[bytes, bytes]]
) -> None:
    body = msgspec.json.encode({"error_code": code, "error_msg": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestId:
    """Echoes the client's `X-Request-Id` (if sane) or makes one; sets it on every response,
    including the 500 answered for an unexpected error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id" and _SAFE_ID.match(value):
                rid = value
                break
        rid = rid or uuid.uuid4().hex.encode()
        header = (b"x-request-id", rid)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error, request id %s", rid.decode())
            if not started:
                status, code, msg = INTERNAL
                await _send_envelope(send, status, code, msg, [header])


MAX_HEAD_BYTES = 32 * 1024


class BodyLimit:
    """Refuses bodies over `max_bytes` with 413, whether announced by Content-Length or not, and
    request heads over 32 KiB with 431 (the HTTP server's own buffer lets far more through)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > MAX_HEAD_BYTES:
            await _send_envelope(send, 431, "MMC.111070001", "Request headers too large.", [])
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await _send_envelope(send, 413, "MMC.111070001", "Request body too large.", [])
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise WireError(413, "MMC.111070001", "Request body too large.")
            return message

        await self.app(scope, limited, send)
