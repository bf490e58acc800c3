"""Sandbox snapshots (issue 13 §4): `POST /sandbox/v1/snapshots` answers the whole state as one
JSON document; `POST /sandbox/v1/snapshots/restore` loads one (`services/toolkit.py`)."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import wire
from overtime.api.http import context, ok
from overtime.scheduler.deadlines import Scheduler
from overtime.services import toolkit


async def take_snapshot(request: Request) -> Response:
    return ok(await toolkit.snapshot(context(request)))


class SnapshotBody(msgspec.Struct):
    format: str
    version: int
    tables: dict[str, list[dict[str, Any]]]
    schemaRevision: str = ""
    createdAt: int = 0


async def restore_snapshot(request: Request) -> Response:
    document = msgspec.structs.asdict(wire.decode(await request.body(), SnapshotBody))
    scheduler: Scheduler = request.app.state.scheduler
    await toolkit.restore(context(request), scheduler.lock, document)
    scheduler.wake()
    return ok()
