"""Sandbox webhook tooling (issue 13 §6): the deliveries, resending one, triggering an event."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import wire
from overtime.api.bounds import ConferenceId
from overtime.api.errors import WireError
from overtime.api.http import context, ok
from overtime.api.query import parse_query
from overtime.realtime.webhooks import WebhookDispatcher
from overtime.services import toolkit

Short = Annotated[str, msgspec.Meta(max_length=64)]


class DeliveriesQuery(msgspec.Struct, kw_only=True):
    conferenceID: Short | None = None
    event: Short | None = None
    state: Literal["pending", "delivered", "failed"] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 100


class TriggerBody(msgspec.Struct, forbid_unknown_fields=True):
    event: Short
    conferenceID: ConferenceId


def _dispatcher(request: Request) -> WebhookDispatcher:
    dispatcher: WebhookDispatcher = request.app.state.dispatcher
    return dispatcher


def _render(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "conferenceID": row["conference_id"],
        "event": row["event"],
        "ledgerId": row["ledger_id"],
        "idempotencyKey": row["idempotency_key"],
        "state": row["state"],
        "attempts": row["attempts"],
        "nextAttemptAt": row["next_attempt_at"],
        "firstAttemptAt": row["first_attempt_at"],
        "doneAt": row["done_at"],
        "lastError": row["last_error"],
        "eventInfo": json.loads(row["event_info"]),
    }


async def list_deliveries(request: Request) -> Response:
    q = parse_query(request, DeliveriesQuery)
    rows = await toolkit.deliveries(
        context(request), conference_id=q.conferenceID, event=q.event, state=q.state, limit=q.limit
    )
    return ok({"count": len(rows), "data": [_render(r) for r in rows]})


async def resend_delivery(request: Request) -> Response:
    raw = request.path_params["delivery_id"]
    known = raw.isascii() and raw.isdigit() and len(raw) <= 9
    if not known or not await toolkit.resend(context(request), int(raw)):
        raise WireError(404, "MMC.111070005", f"No webhook delivery {raw[:32]!r}.")
    _dispatcher(request).wake()
    return ok()


async def trigger(request: Request) -> Response:
    body = wire.decode(await request.body(), TriggerBody)
    ledger_id = await toolkit.trigger(context(request), body.event, body.conferenceID)
    _dispatcher(request).wake()
    return ok({"ledgerId": ledger_id})
