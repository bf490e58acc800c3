"""USG: account and App ID authentication, token validation, refresh and logout."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from overtime.domain import appauth, credentials, errors
from overtime.domain.accounts import Account, App
from overtime.domain.tokens import (
    ACCESS_TOKEN_TTL,
    REFRESH_TOKEN_TTL,
    AccessToken,
    IssuedAccessToken,
    max_live_tokens,
)
from overtime.services import guessing
from overtime.services.context import Context
from overtime.storage.sql import Tx

ACCESS_PREFIX = "ovt"
REFRESH_PREFIX = "ovr"


@dataclass(frozen=True)
class Session:
    """An authenticated caller: the account and the token it presented."""

    account: Account
    token: AccessToken


async def _issue(
    tx: Tx, account: Account, client_type: int, client_ip: str, now: datetime
) -> IssuedAccessToken:
    token = credentials.new_token(ACCESS_PREFIX)
    refresh = credentials.new_token(REFRESH_PREFIX)
    record = AccessToken(
        digest=credentials.digest(token),
        refresh_digest=credentials.digest(refresh),
        account_id=account.id,
        client_type=client_type,
        client_ip=client_ip,
        created_at=now,
        expires_at=now + ACCESS_TOKEN_TTL,
        refresh_expires_at=now + REFRESH_TOKEN_TTL,
    )
    await tx.insert_access_token(record)
    await tx.trim_access_tokens(account.id, client_type, max_live_tokens(client_type), now, record.digest)
    return IssuedAccessToken(token, refresh, record)


async def create_account(
    ctx: Context, account: str, password: str, *, name: str, corp_id: str, is_admin: bool
) -> Account:
    if not credentials.plausible(account, credentials.MAX_ACCOUNT) or ":" in account:
        # A ':' could never log in: Basic auth splits `account:password` at the first one.
        raise errors.InvalidParameter(
            "The account must be 1 to 255 characters, without ':' or control characters."
        )
    password_hash = await asyncio.to_thread(credentials.hash_password, password)
    created = Account(
        id=uuid.uuid4().hex,
        account=account,
        name=name or account,
        corp_id=corp_id,
        is_admin=is_admin,
        password_hash=password_hash,
        app_id="",
        created_at=ctx.clock.now(),
    )
    async with ctx.store.write() as tx:
        if await tx.account_by_name(account):
            raise errors.AlreadyExists(f"Account {account!r} already exists.")
        await tx.insert_account(created)
    return created


async def create_app(ctx: Context, app_id: str, app_key: str, corp_id: str) -> App:
    app = App(app_id=app_id, app_key=app_key, corp_id=corp_id, created_at=ctx.clock.now())
    async with ctx.store.write() as tx:
        if await tx.app(app_id):
            raise errors.AlreadyExists(f"App {app_id!r} already exists.")
        await tx.insert_app(app)
    return app


async def create_token_by_account(
    ctx: Context, authorization: str | None, client_type: int, client_ip: str
) -> tuple[IssuedAccessToken, Account]:
    """POST /v1/usg/acs/auth/account."""
    name, password = credentials.parse_basic(authorization)
    now = ctx.clock.now()
    guard = guessing.login(name, client_ip, now)
    async with ctx.store.read() as tx:
        await guard.check(tx)
        account = await tx.account_by_name(name) if guard.plausible else None
    stored = account.password_hash if account and account.password_hash else credentials.DUMMY_PASSWORD_HASH
    ok = await asyncio.to_thread(credentials.verify_password, password, stored)
    failed = not ok or account is None or not account.password_hash
    async with ctx.store.write() as tx:
        await guard.record(tx, ok=not failed)
        if not failed:
            assert account is not None
            issued = await _issue(tx, account, client_type, client_ip, now)
    if failed:
        raise errors.AccountAuthFailed()
    assert account is not None
    return issued, account


async def create_token_by_app(
    ctx: Context,
    req: appauth.AppAuthRequest,
    client_type: int,
    client_ip: str,
    user_name: str | None,
) -> tuple[IssuedAccessToken, Account]:
    """POST /v2/usg/acs/auth/appauth."""
    appauth.check(req)
    if user_name and not credentials.plausible(user_name, credentials.MAX_ACCOUNT):
        raise errors.AuthRequestMalformed(
            "userName must be at most 255 characters, without control characters."
        )
    now = ctx.clock.now()
    async with ctx.store.write() as tx:
        app = await tx.app(req.app_id)
        if app is None:
            raise errors.AppSignatureInvalid()
        if req.corp_id and not credentials.same(req.corp_id, app.corp_id):
            raise errors.AppSignatureInvalid()
        appauth.verify(req, app.app_key, int(now.timestamp()))
        keep_until = None if req.expire_time == 0 else datetime.fromtimestamp(req.expire_time, now.tzinfo)
        if not await tx.use_nonce(app.app_id, req.nonce, keep_until, now):
            raise errors.AppSignatureInvalid("This nonce has been used already.")
        account_name = f"app:{app.app_id}:{req.user_id}"
        account = await tx.account_by_name(account_name)
        if account is None:
            account = Account(
                id=uuid.uuid4().hex,
                account=account_name,
                name=user_name or req.user_id or "Enterprise admin",
                corp_id=app.corp_id,
                is_admin=not req.user_id,
                password_hash="",
                app_id=app.app_id,
                created_at=now,
            )
            await tx.insert_account(account)
        issued = await _issue(tx, account, client_type, client_ip, now)
    return issued, account


async def authenticate(ctx: Context, token: str | None) -> Session:
    """The caller behind an `X-Access-Token`, or AccessTokenInvalid."""
    if not token:
        raise errors.AccessTokenInvalid()
    async with ctx.store.read() as tx:
        record = await tx.access_token(credentials.digest(token))
        if record is None or not record.is_live(ctx.clock.now()):
            raise errors.AccessTokenInvalid()
        account = await tx.account_by_id(record.account_id)
    if account is None:
        raise errors.AccessTokenInvalid()
    return Session(account, record)


async def validate_token(
    ctx: Context, token: str, need_new: bool, client_ip: str
) -> tuple[IssuedAccessToken | None, Session]:
    """POST /v1/usg/acs/token/validate: the token's session, and a new token if asked for."""
    session = await authenticate(ctx, token)
    if not need_new:
        return None, session
    async with ctx.store.write() as tx:
        issued = await _issue(tx, session.account, session.token.client_type, client_ip, ctx.clock.now())
    return issued, Session(session.account, issued.record)


async def refresh_token(ctx: Context, token: str | None, client_ip: str) -> tuple[IssuedAccessToken, Account]:
    """PUT /v1/usg/acs/token: accepts the access token or its refresh token; the old access
    token is replaced by the new one."""
    if not token:
        raise errors.AccessTokenInvalid()
    now = ctx.clock.now()
    digest = credentials.digest(token)
    async with ctx.store.write() as tx:
        record = await tx.access_token(digest)
        if record is None or not record.is_live(now):
            record = await tx.access_token_by_refresh(digest)
            if record is None or now >= record.refresh_expires_at:
                raise errors.AccessTokenInvalid()
        account = await tx.account_by_id(record.account_id)
        if account is None:
            raise errors.AccessTokenInvalid()
        await tx.delete_access_token(record.digest)
        issued = await _issue(tx, account, record.client_type, client_ip, now)
    return issued, account


async def delete_token(ctx: Context, token: str | None) -> None:
    """DELETE /v1/usg/acs/token."""
    session = await authenticate(ctx, token)
    async with ctx.store.write() as tx:
        await tx.delete_access_token(session.token.digest)
