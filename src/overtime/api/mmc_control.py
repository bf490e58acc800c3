"""MMC control routes: /v1/mmc/control/conferences/... (reference §5)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from overtime.api import query, render, wire
from overtime.api.http import client_ip, context, ok
from overtime.api.query import parse_query
from overtime.domain import errors
from overtime.services import control

AUTH_HEADER = "x-conference-authorization"


def _conference_id(request: Request) -> str:
    return parse_query(request, query.Conference).conferenceID


async def create_conf_token(request: Request) -> Response:
    issued = await control.create_conf_token(
        context(request),
        _conference_id(request),
        password=request.headers.get("x-password"),
        current=request.headers.get(AUTH_HEADER),
        client_ip=client_ip(request),
    )
    base = request.base_url
    ws_url = f"{'wss' if base.scheme == 'https' else 'ws'}://{base.netloc}"
    return ok(render.conf_token(issued.issued, issued.meeting, ws_token=issued.ws_token, ws_url=ws_url))


async def create_web_socket_token(request: Request) -> Response:
    token = await control.create_ws_token(
        context(request), _conference_id(request), request.headers.get(AUTH_HEADER)
    )
    return ok({"webSocketToken": token})


async def prolong_meeting(request: Request) -> Response:
    header = request.headers.get(AUTH_HEADER)
    if not header or not header.strip():
        raise errors.ControlTokenMissing()
    body = wire.decode(await request.body(), wire.ProlongBody)
    await control.prolong_meeting(
        context(request), _conference_id(request), header, auto=body.auto, duration=body.duration
    )
    return ok()


async def stop_meeting(request: Request) -> Response:
    await control.stop_meeting(context(request), _conference_id(request), request.headers.get(AUTH_HEADER))
    return ok()


async def show_real_time_info_of_meeting(request: Request) -> Response:
    meeting, present = await control.real_time_info(
        context(request), _conference_id(request), request.headers.get(AUTH_HEADER)
    )
    return ok(render.real_time_info(meeting, present))
