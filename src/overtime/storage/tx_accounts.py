"""Accounts, apps, App ID nonces, access tokens and throttle counters, inside one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    case,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from overtime.domain import errors, throttle
from overtime.domain.accounts import Account, App
from overtime.domain.clock import from_ms, to_ms
from overtime.domain.throttle import Attempts
from overtime.domain.tokens import AccessToken
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import (
    SELECT_ACCESS_TOKEN,
    SELECT_ACCOUNT,
    access_token_from_row,
    account_from_row,
    ms_or_none,
    upsert,
)
from overtime.storage.tables import (
    access_tokens,
    accounts,
    app_nonces,
    apps,
    throttles,
)


class AccountsTx:
    conn: PgConnection | InLoopConnection

    # -- accounts and apps --------------------------------------------------------------------

    async def insert_account(self, a: Account) -> None:
        """AlreadyExists if the account name is taken (also by a concurrent insert)."""
        try:
            await self._insert_account(a)
        except IntegrityError:
            raise errors.AlreadyExists(f"Account {a.account!r} already exists.") from None

    async def _insert_account(self, a: Account) -> None:
        await self.conn.execute(
            insert(accounts).values(
                id=a.id,
                account=a.account,
                name=a.name,
                corp_id=a.corp_id,
                is_admin=a.is_admin,
                password_hash=a.password_hash,
                app_id=a.app_id,
                created_at=to_ms(a.created_at),
            )
        )

    async def account_by_name(self, account: str) -> Account | None:
        row = (await self.conn.execute(select(accounts).where(accounts.c.account == account))).first()
        return account_from_row(row) if row else None

    async def account_by_id(self, account_id: str) -> Account | None:
        row = await self.conn.fetch_one(SELECT_ACCOUNT, {"id": account_id})
        return account_from_row(row) if row else None

    async def account_names(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = await self.conn.execute(
            select(accounts.c.id, accounts.c.name).where(accounts.c.id.in_(set(ids)))
        )
        return {r.id: r.name for r in rows}

    async def insert_app(self, app: App) -> None:
        await self.conn.execute(
            insert(apps).values(
                app_id=app.app_id,
                app_key=app.app_key,
                corp_id=app.corp_id,
                created_at=to_ms(app.created_at),
            )
        )

    async def app(self, app_id: str) -> App | None:
        row = (await self.conn.execute(select(apps).where(apps.c.app_id == app_id))).first()
        if row is None:
            return None
        return App(
            app_id=row.app_id, app_key=row.app_key, corp_id=row.corp_id, created_at=from_ms(row.created_at)
        )

    async def use_nonce(self, app_id: str, nonce: str, keep_until: datetime | None, now: datetime) -> bool:
        """Records a nonce; False when it was used before (a replay)."""
        await self.conn.execute(delete(app_nonces).where(app_nonces.c.keep_until < to_ms(now)))
        exists = (
            await self.conn.execute(
                select(app_nonces.c.nonce).where(app_nonces.c.app_id == app_id, app_nonces.c.nonce == nonce)
            )
        ).first()
        if exists:
            return False
        await self.conn.execute(
            insert(app_nonces).values(app_id=app_id, nonce=nonce, keep_until=ms_or_none(keep_until))
        )
        return True

    # -- access tokens ------------------------------------------------------------------------

    async def insert_access_token(self, t: AccessToken) -> None:
        await self.conn.execute(
            insert(access_tokens).values(
                digest=t.digest,
                refresh_digest=t.refresh_digest,
                account_id=t.account_id,
                client_type=t.client_type,
                client_ip=t.client_ip,
                created_at=to_ms(t.created_at),
                expires_at=to_ms(t.expires_at),
                refresh_expires_at=to_ms(t.refresh_expires_at),
            )
        )

    async def access_token(self, digest: str) -> AccessToken | None:
        row = await self.conn.fetch_one(SELECT_ACCESS_TOKEN, {"digest": digest})
        return access_token_from_row(row) if row else None

    async def access_token_by_refresh(self, refresh_digest: str) -> AccessToken | None:
        row = (
            await self.conn.execute(
                select(access_tokens).where(access_tokens.c.refresh_digest == refresh_digest)
            )
        ).first()
        return access_token_from_row(row) if row else None

    async def delete_access_token(self, digest: str) -> None:
        await self.conn.execute(delete(access_tokens).where(access_tokens.c.digest == digest))

    async def trim_access_tokens(
        self, account_id: str, client_type: int, keep: int, now: datetime, newest: str
    ) -> None:
        """Deletes expired tokens of the account and all but the newest `keep` live ones of
        this client type (the oldest is evicted, reference §3.1). `newest`, the token just
        issued, always stays, even if another was issued in the same millisecond."""
        await self.conn.execute(
            delete(access_tokens).where(
                access_tokens.c.account_id == account_id,
                access_tokens.c.refresh_expires_at <= to_ms(now),
            )
        )
        rows = (
            await self.conn.execute(
                select(access_tokens.c.digest)
                .where(
                    access_tokens.c.account_id == account_id,
                    access_tokens.c.client_type == client_type,
                    access_tokens.c.digest != newest,
                )
                .order_by(access_tokens.c.created_at.desc(), access_tokens.c.digest)
                .offset(keep - 1)
            )
        ).all()
        if rows:
            await self.conn.execute(
                delete(access_tokens).where(access_tokens.c.digest.in_([r.digest for r in rows]))
            )

    # -- throttles ----------------------------------------------------------------------------

    async def attempts(self, key: str) -> Attempts:
        row = (await self.conn.execute(select(throttles).where(throttles.c.key == key))).first()
        if row is None:
            return Attempts()
        return Attempts(row.failures, row.window_start, row.locked_until)

    async def record_failure(self, key: str, now_ms: int, *, max_rows: int = throttle.MAX_ROWS) -> Attempts:
        """Counts one failure under `key` (a `throttle.key` digest). Adding a new counter first
        deletes the lapsed ones and, past `max_rows`, the least useful ones: unlocked before
        locked, oldest window first. So the table stays bounded whatever the callers send."""
        before = await self.attempts(key)
        after = throttle.after_failure(before, now_ms)
        values = {
            "failures": after.failures,
            "window_start": after.window_start,
            "locked_until": after.locked_until,
        }
        if before == Attempts():
            await self._trim_throttles(now_ms, max_rows - 1)
        await self.conn.execute(
            upsert(self.conn, throttles)
            .values(key=key, **values)
            .on_conflict_do_update(index_elements=[throttles.c.key], set_=values)
        )
        return after

    async def _trim_throttles(self, now_ms: int, keep: int) -> None:
        c = throttles.c
        await self.conn.execute(
            delete(throttles).where(
                c.locked_until <= now_ms,
                or_(c.window_start < throttle.lapsed_before(now_ms), c.locked_until > 0),
            )
        )
        count = (await self.conn.execute(select(func.count()).select_from(throttles))).scalar_one()
        if count <= keep:
            return
        still_locked = case((c.locked_until > now_ms, 1), else_=0)
        oldest = select(c.key).order_by(still_locked, c.window_start, c.key).limit(count - keep)
        await self.conn.execute(delete(throttles).where(c.key.in_(oldest)))

    async def clear_attempts(self, key: str) -> None:
        await self.conn.execute(delete(throttles).where(throttles.c.key == key))
