"""USG routes: /v1/usg/acs/auth/account, /v2/usg/acs/auth/appauth, /v1/usg/acs/token[...]."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from overtime.api import render, wire
from overtime.api.http import client_ip, context, ok
from overtime.domain.appauth import AppAuthRequest
from overtime.domain.tokens import API_CLIENT_TYPE
from overtime.services import auth


async def create_token(request: Request) -> Response:
    ctx = context(request)
    body = await request.body()
    parsed = wire.decode(body, wire.AccountAuthBody, family="USG") if body.strip() else wire.AccountAuthBody()
    client_type = parsed.clientType if parsed.clientType is not None else API_CLIENT_TYPE
    issued, account = await auth.create_token_by_account(
        ctx, request.headers.get("authorization"), client_type, client_ip(request)
    )
    return ok(
        render.token_object(
            issued.token, issued.record, account, ctx.clock.now(), refresh_token=issued.refresh_token
        )
    )


async def create_app_id_token(request: Request) -> Response:
    ctx = context(request)
    parsed = wire.decode(await request.body(), wire.AppAuthBody, family="USG")
    req = AppAuthRequest(
        app_id=parsed.appId,
        corp_id=parsed.corpId or "",
        user_id=parsed.userId or "",
        expire_time=parsed.expireTime,
        nonce=parsed.nonce,
        authorization=request.headers.get("authorization", ""),
    )
    client_type = parsed.clientType if parsed.clientType is not None else API_CLIENT_TYPE
    issued, account = await auth.create_token_by_app(
        ctx, req, client_type, client_ip(request), parsed.userName
    )
    return ok(
        render.token_object(
            issued.token, issued.record, account, ctx.clock.now(), refresh_token=issued.refresh_token
        )
    )


async def check_token(request: Request) -> Response:
    ctx = context(request)
    parsed = wire.decode(await request.body(), wire.ValidateTokenBody, family="USG")
    issued, session = await auth.validate_token(
        ctx, parsed.token, bool(parsed.needGenNewToken), client_ip(request)
    )
    now = ctx.clock.now()
    if issued is None:
        return ok(render.token_object(parsed.token, session.token, session.account, now, refresh_token=None))
    return ok(
        render.token_object(
            issued.token, issued.record, session.account, now, refresh_token=issued.refresh_token
        )
    )


async def update_token(request: Request) -> Response:
    ctx = context(request)
    issued, account = await auth.refresh_token(ctx, request.headers.get("x-access-token"), client_ip(request))
    return ok(
        render.token_object(
            issued.token, issued.record, account, ctx.clock.now(), refresh_token=issued.refresh_token
        )
    )


async def delete_token(request: Request) -> Response:
    await auth.delete_token(context(request), request.headers.get("x-access-token"))
    return ok()
