"""Webhook subscription routes: /v1/mmc/management/webhook/... (reference §7.1–7.4)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from overtime.api import webhook_wire, wire
from overtime.api.http import caller, context, ok
from overtime.api.query import parse_query
from overtime.services import webhooks as service


async def set_web_hook_config(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), webhook_wire.LinkConfigBody)
    await service.set_config(
        ctx,
        session,
        corp_id=body.corpId,
        subscriber_id=body.subscriberId,
        subscriber_key=body.subscriberKey,
        url=body.url,
    )
    return ok()


async def show_web_hook_config(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    params = parse_query(request, webhook_wire.ShowQuery)
    config = await service.show_config(ctx, session, corp_id=params.corpId)
    return ok(webhook_wire.config_info(config))


async def delete_web_hook_config(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    params = parse_query(request, webhook_wire.DeleteQuery)
    await service.delete_config(ctx, session, params.id)
    return ok()


async def update_web_hook_config_status(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    params = parse_query(request, webhook_wire.StatusQuery)
    await service.change_status(ctx, session, params.id, params.status)
    return ok()
