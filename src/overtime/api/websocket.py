"""The meeting-control WebSocket: /cms/open/websocket/confctl/increment/conn (reference §6).

What a client may send is bounded: text frames of at most MAX_FRAME_BYTES bytes holding one JSON
object. Anything else closes the socket with a code that says why, and one log line:

- 1003 a binary frame;
- 1007 a frame that is not a JSON object (invalid or too deeply nested JSON, an array, a number);
- 1008 a refused Subscribe, or a client that does not read what it is sent (its queue is full,
  see `overtime.realtime.hub.Subscriber`);
- 1009 a frame over MAX_FRAME_BYTES;
- 1011 an unexpected error on our side.

The ordinary ends (1000 when the meeting ends, 1001 after `--ws-idle-timeout` of silence, the
client closing with 1000 or 1001) are logged at INFO, the refusals and other ends at WARNING.
granian reads a whole frame before we see it, and drops the connection (we are told 1005) for a
frame over 16 MiB; it has no setting for a smaller limit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from overtime.domain.errors import DomainError
from overtime.realtime import frames
from overtime.realtime.hub import INTERNAL_ERROR, NORMAL_CLOSURE, POLICY_VIOLATION, Hub, Subscriber
from overtime.services import control
from overtime.services.context import Context

log = logging.getLogger("overtime.websocket")
PATH = "/cms/open/websocket/confctl/increment/conn"
GOING_AWAY = 1001
UNSUPPORTED_DATA = 1003
INVALID_PAYLOAD = 1007
MESSAGE_TOO_BIG = 1009
NO_STATUS = 1005
MAX_FRAME_BYTES = 64 * 1024
"""A client's frames are Subscribe (a few hundred bytes) and HeartBeat (tens of bytes)."""
MAX_DEPTH = 8
"""Nesting of a client's JSON: a Subscribe with `data` as an object is 3 deep."""
CLOSE_SECONDS = 5.0
"""How long the close frame may wait on a client that does not read; then the connection drops."""
QUIET_SECONDS = 0.2
"""Before the close frame, the client's frames still in flight are read and dropped until it
has been silent this long (within CLOSE_SECONDS)."""
_QUIET_CODES = frozenset({NORMAL_CLOSURE, GOING_AWAY})
SEND_KEY = "overtime.websocket_send"
"""The scope key under which `KeepSend` keeps the connection's ASGI `send`."""


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _depth(value: object, limit: int) -> bool:
    """True when `value` nests no deeper than `limit` (iteratively: no recursion to exhaust)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            if level > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return True


def _parse(text: str) -> dict[str, Any]:
    """One client frame as a JSON object, or _Refused with the close code that fits."""
    if len(text) > MAX_FRAME_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise _Refused(MESSAGE_TOO_BIG, f"frame over {MAX_FRAME_BYTES} bytes")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise _Refused(INVALID_PAYLOAD, "frame is not JSON") from None
    if not isinstance(message, dict):
        raise _Refused(INVALID_PAYLOAD, "frame is not a JSON object")
    if not _depth(message, MAX_DEPTH):
        raise _Refused(INVALID_PAYLOAD, f"JSON nested over {MAX_DEPTH} deep")
    return message


def _subscribe_data(message: dict[str, Any]) -> dict[str, Any]:
    """`data` as an object, or (as in every example) as a JSON-encoded string."""
    data = message.get("data")
    if isinstance(data, str):
        data = json.loads(data)  # within a frame of MAX_FRAME_BYTES
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    return data


async def _subscribe(sub: Subscriber, hub: Hub, ctx: Context, message: dict[str, Any]) -> bool:
    sequence = str(message.get("sequence", ""))
    try:
        data = _subscribe_data(message)
        meeting, present = await control.real_time_info(
            ctx, sub.conference_id, str(data.get("confToken", ""))
        )
    except (ValueError, RecursionError, DomainError) as e:
        sub.push(frames.subscribe_reply(sequence, 1, f"FAILED: {e}"))
        return False
    wanted = data.get("subscribeType")
    if isinstance(wanted, list) and wanted:
        sub.types = frozenset(str(t) for t in wanted)
    if sub.push(frames.subscribe_reply(sequence, 0, "SUCCESS")):
        hub.add(sub, meeting, present)
    return True


async def _handle(sub: Subscriber, hub: Hub, ctx: Context, text: str | None, subscribed: bool) -> bool | None:
    """One frame from the client; whether it has now subscribed (None: refused, the socket closes)."""
    if text is None:
        raise _Refused(UNSUPPORTED_DATA, "binary frames are not supported")
    message = _parse(text)
    action = message.get("action")
    if action == "HeartBeat":
        sub.push(json.dumps(message))  # through the queue: a client that never reads is bounded
    elif action == "Subscribe" and not subscribed:
        if await _subscribe(sub, hub, ctx, message):
            return True
        sub.close_after_queue(POLICY_VIOLATION, "subscribe refused")
        return None
    return subscribed


@dataclass
class _Heard:
    at: float = 0.0
    """The event loop's time of the client's last frame."""


async def _read_loop(
    ws: WebSocket, sub: Subscriber, hub: Hub, ctx: Context, idle: float, heard: _Heard
) -> None:
    """Handles the client's frames until the socket must close (`sub.end` says why), then reads
    and drops them while the close frame goes out: closing a socket with unread input resets
    the connection, and the client would never see the close frame and its code."""
    subscribed: bool | None = False  # None: refused, the socket is closing
    while True:
        try:
            received = await asyncio.wait_for(ws.receive(), idle)
        except TimeoutError:
            sub.finish(GOING_AWAY, "no heartbeat")
            continue
        except Exception as e:  # the socket is gone
            sub.finish(INTERNAL_ERROR, f"receive failed: {type(e).__name__}")
            return
        if received["type"] == "websocket.disconnect":
            sub.finish(int(received.get("code") or NORMAL_CLOSURE), "closed by the client")
            return
        heard.at = asyncio.get_running_loop().time()
        if sub.end is not None or subscribed is None:
            continue
        try:
            subscribed = await _handle(sub, hub, ctx, received.get("text"), subscribed)
        except _Refused as e:
            sub.finish(e.code, e.reason)
        except Exception as e:
            log.exception("websocket conference=%s: unexpected error", sub.conference_id)
            sub.finish(INTERNAL_ERROR, f"internal error: {type(e).__name__}")


async def connection(ws: WebSocket) -> None:
    ctx: Context = ws.app.state.ctx
    hub: Hub = ws.app.state.hub
    idle: float = ws.app.state.ws_idle_seconds
    conference_id = ws.query_params.get("confID", "")
    role = await control.consume_ws_token(ctx, conference_id, ws.query_params.get("tmpToken", ""))
    if role is None:
        await ws.close(code=POLICY_VIOLATION)  # before accepting: the handshake is refused
        return
    await ws.accept()
    # Frames go out through the server's own send, not Starlette's (decision 0005): no
    # coroutine and no task per frame and subscriber.
    sub = Subscriber(conference_id, role, ws.scope.get(SEND_KEY) or ws.send)
    heard = _Heard()
    reader = asyncio.create_task(_read_loop(ws, sub, hub, ctx, idle, heard))
    # The reader does not end without a reason; if it did, the socket closes.
    reader.add_done_callback(lambda _: sub.finish(INTERNAL_ERROR, "ended"))
    try:
        await sub.ended.wait()
        hub.remove(sub)
        code, reason = sub.end or (INTERNAL_ERROR, "ended")
        peer = f"{ws.client.host}:{ws.client.port}" if ws.client else "?"
        if WebSocketState.DISCONNECTED in (ws.client_state, ws.application_state):
            level = logging.INFO if code in _QUIET_CODES else logging.WARNING
            if code == NO_STATUS:  # granian drops a frame over 16 MiB so, and tells us no more
                reason = "no close code: the client sent none, or granian dropped a frame over 16 MiB"
            log.log(
                level, "websocket conference=%s peer=%s: ended %d (%s)", conference_id, peer, code, reason
            )
            return
        level = logging.INFO if code in _QUIET_CODES else logging.WARNING
        log.log(level, "websocket conference=%s peer=%s: closing %d (%s)", conference_id, peer, code, reason)
        await _close(ws, code, reason, sub, heard)
    finally:
        hub.remove(sub)
        await _cancel(reader)


async def _close(ws: WebSocket, code: int, reason: str, sub: Subscriber, heard: _Heard) -> None:
    """Sends the close frame, if the client takes it within CLOSE_SECONDS; else the caller's
    return drops the connection. The reader keeps reading (and dropping) the client's frames."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CLOSE_SECONDS
    # The frame in the server's hands goes first; the close frame can only follow it.
    if not await sub.idle(CLOSE_SECONDS):
        return
    # Let what the client still sends arrive and be dropped: a socket closed with unread input
    # is reset, and the reset discards the close frame before the client has read it.
    while (quiet := loop.time() - heard.at) < QUIET_SECONDS and loop.time() < deadline:
        await asyncio.sleep(QUIET_SECONDS - quiet)
    with contextlib.suppress(TimeoutError, RuntimeError, OSError):
        await asyncio.wait_for(ws.close(code=code, reason=reason), max(deadline - loop.time(), 0.1))


async def _cancel(task: asyncio.Task[None]) -> None:
    if not task.done():
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class KeepSend:
    """Around the Starlette app: keeps a WebSocket connection's `send` in its scope (SEND_KEY),
    as the server (or a middleware outside, such as the sandbox's journal) gave it, for
    `Subscriber` to send frames through without Starlette's wrappers (decision 0005)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SEND_KEY] = send
        await self.app(scope, receive, send)


routes = [WebSocketRoute(PATH, connection)]
