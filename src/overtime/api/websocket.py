"""The meeting-control WebSocket: /cms/open/websocket/confctl/increment/conn (reference §6)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from overtime.domain.errors import DomainError
from overtime.realtime import frames
from overtime.realtime.hub import Hub, Subscriber
from overtime.services import control
from overtime.services.context import Context

PATH = "/cms/open/websocket/confctl/increment/conn"
POLICY_VIOLATION = 1008
GOING_AWAY = 1001


def _subscribe_data(message: dict[str, Any]) -> dict[str, Any]:
    """`data` as an object, or (as in every example) as a JSON-encoded string."""
    data = message.get("data")
    if isinstance(data, str):
        data = json.loads(data)
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    return data


async def _subscribe(ws: WebSocket, sub: Subscriber, hub: Hub, ctx: Context, message: dict[str, Any]) -> bool:
    sequence = str(message.get("sequence", ""))
    try:
        data = _subscribe_data(message)
        meeting, present = await control.real_time_info(
            ctx, sub.conference_id, str(data.get("confToken", ""))
        )
    except (ValueError, DomainError) as e:
        await ws.send_text(frames.subscribe_reply(sequence, 1, f"FAILED: {e}"))
        return False
    wanted = data.get("subscribeType")
    if isinstance(wanted, list) and wanted:
        sub.types = frozenset(str(t) for t in wanted)
    await ws.send_text(frames.subscribe_reply(sequence, 0, "SUCCESS"))
    hub.add(sub, meeting, present)
    return True


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
    sub = Subscriber(conference_id, role, ws.send_text, lambda code: ws.close(code=code))
    writer = asyncio.create_task(sub.write_loop())
    subscribed = False
    try:
        while not writer.done():
            try:
                text = await asyncio.wait_for(ws.receive_text(), idle)
            except TimeoutError:
                await ws.close(code=GOING_AWAY, reason="no heartbeat")
                return
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            action = message.get("action")
            if action == "HeartBeat":
                sub.push(json.dumps(message))
            elif action == "Subscribe" and not subscribed:
                subscribed = await _subscribe(ws, sub, hub, ctx, message)
                if not subscribed:
                    await ws.close(code=POLICY_VIOLATION)
                    return
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(sub)
        if not writer.done():
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer


routes = [WebSocketRoute(PATH, connection)]
