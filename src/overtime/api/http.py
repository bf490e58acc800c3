"""Small request and response helpers shared by the route modules."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api.errors import JSON
from overtime.services import auth
from overtime.services.auth import Session
from overtime.services.context import Context


def ok(body: Any = None) -> Response:
    """200 with a JSON body; `{}` for operations that document no response parameters."""
    return Response(msgspec.json.encode({} if body is None else body), media_type=JSON)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def caller(request: Request) -> Session:
    """The caller of a management operation, by its `X-Access-Token`; its account is logged."""
    session = await auth.authenticate(context(request), request.headers.get("x-access-token"))
    request.state.account = session.account.account
    return session
