"""Overtime's own routes about the server itself: health and the OpenAPI document."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import errors
from overtime.api.http import context, ok
from overtime.api.query import parse_query

log = logging.getLogger("overtime")


class HealthQuery(msgspec.Struct, kw_only=True):
    deep: bool = False
    """Also read the database (the meetings table) and answer 503 when the read fails."""


async def health(request: Request) -> Response:
    """Cheap by default; `?deep=1` also reads the meetings table (and with `--media janus` asks
    Janus for its `info`) and answers 503 when that fails."""
    if not parse_query(request, HealthQuery).deep:
        return ok({"status": "ok"})
    try:
        await context(request).store.check_read()
    except Exception:
        log.exception("health check: the database read failed")
        return errors.envelope(
            503, "MMC.111070003", "The database failed a read check.", {"Retry-After": "1"}
        )
    media = getattr(request.app.state, "media", None)
    if media is not None:
        if not await media.answers():
            log.warning("health check: Janus does not answer")
            return errors.envelope(503, "MMC.111070003", "Janus does not answer.", {"Retry-After": "1"})
        return ok({"status": "ok", "database": "ok", "janus": "ok"})
    return ok({"status": "ok", "database": "ok"})


async def openapi_json(request: Request) -> Response:
    document: dict[str, Any] = request.app.state.openapi
    return ok(document)
