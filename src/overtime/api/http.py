"""Small request and response helpers shared by the route modules."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api.errors import JSON
from overtime.domain import errors
from overtime.services.context import Context


def ok(body: Any = None) -> Response:
    """200 with a JSON body; `{}` for operations that document no response parameters."""
    return Response(msgspec.json.encode({} if body is None else body), media_type=JSON)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise errors.InvalidParameter(f"{name} must be an integer.") from None


def query_bool(request: Request, name: str) -> bool:
    raw = (request.query_params.get(name) or "").lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise errors.InvalidParameter(f"{name} must be true or false.")
