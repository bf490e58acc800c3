"""The SQL store: one set of SQLAlchemy Core queries for SQLite (stdlib driver, WAL) and PostgreSQL
(psycopg 3, async).

Writes run in `Store.write()`: one transaction, committed on success and rolled back on any
error, so a refused request changes nothing. On SQLite, writes are serialised in the process and
open with `BEGIN IMMEDIATE`, so a read-then-write transaction never fails on a lock upgrade.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from overtime.domain import errors
from overtime.domain.accounts import Account, App
from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import EventKind, Meeting, MeetingEvent, MeetingKind, MeetingState
from overtime.domain.presence import Participant
from overtime.domain.throttle import Attempts
from overtime.domain.tokens import AccessToken, ControlToken, Role
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.tables import (
    access_tokens,
    accounts,
    app_nonces,
    apps,
    control_tokens,
    meeting_events,
    meetings,
    participants,
    sandbox_state,
    throttles,
    webhook_configs,
    webhook_deliveries,
    ws_tokens,
)


class StoreUnavailable(Exception):
    """The database cannot be reached right now (restarting, network); nothing was written."""


class StaleWrite(Exception):
    """The row changed since it was read (optimistic concurrency on `version`)."""


def _driver_url(url: str, *, asynchronous: bool) -> str:
    if url.startswith("sqlite:"):
        return url
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL with synchronous=NORMAL: a commit is in the WAL file before it is acknowledged, so it
    # survives the process being killed (ARCHITECTURE.md measurements).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA busy_timeout=2000",
        "PRAGMA foreign_keys=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)
    if immediate:
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    else:
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))


_MIGRATION_LOCK = 0x6F76_6572  # any constant; replicas starting together migrate one at a time


def migrate(url: str) -> None:
    """Brings the schema to the newest revision (idempotent; run at every start)."""
    engine = create_engine(_driver_url(url, asynchronous=False))
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, immediate=True)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            _upgrade(conn)
    finally:
        engine.dispose()


def _upgrade(conn: Connection) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", "overtime.storage:migrations")
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite:")
        if self.is_sqlite:
            sync_url = _driver_url(url, asynchronous=False)
            self._sqlite_write: Engine = create_engine(sync_url, pool_size=1, max_overflow=0)
            self._sqlite_read: Engine = create_engine(sync_url, pool_size=4, max_overflow=8)
            _configure_sqlite(self._sqlite_write, immediate=True)
            _configure_sqlite(self._sqlite_read, immediate=False)
            self._write_lock = asyncio.Lock()
        else:
            self._engine: AsyncEngine = create_async_engine(
                _driver_url(url, asynchronous=True), pool_size=10, max_overflow=10, pool_pre_ping=True
            )

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        try:
            if self.is_sqlite:
                async with self._write_lock:
                    with self._sqlite_write.begin() as sync_conn:
                        yield Tx(InLoopConnection(sync_conn))
                return
            async with self._engine.begin() as conn:
                yield Tx(PgConnection(conn))
        except (OperationalError, InterfaceError) as e:
            if e.connection_invalidated or not self.is_sqlite:
                raise StoreUnavailable(str(e.orig)) from e
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        try:
            if self.is_sqlite:
                with self._sqlite_read.begin() as sync_conn:
                    yield Tx(InLoopConnection(sync_conn))
                return
            async with self._engine.begin() as conn:
                yield Tx(PgConnection(conn))
        except (OperationalError, InterfaceError) as e:
            if e.connection_invalidated or not self.is_sqlite:
                raise StoreUnavailable(str(e.orig)) from e
            raise

    async def close(self) -> None:
        if self.is_sqlite:
            self._sqlite_write.dispose()
            self._sqlite_read.dispose()
        else:
            await self._engine.dispose()


def _upsert(conn: PgConnection | InLoopConnection, table: Any) -> Any:
    """INSERT ... ON CONFLICT, in the connection's dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _ms(at: datetime | None) -> int | None:
    return None if at is None else to_ms(at)


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        account=row.account,
        name=row.name,
        corp_id=row.corp_id,
        is_admin=bool(row.is_admin),
        password_hash=row.password_hash,
        app_id=row.app_id,
        created_at=from_ms(row.created_at),
    )


def _meeting(row: Any) -> Meeting:
    return Meeting(
        conference_id=row.conference_id,
        owner_id=row.owner_id,
        corp_id=row.corp_id,
        subject=row.subject,
        media_types=row.media_types,
        length=row.length,
        kind=MeetingKind(row.kind),
        state=MeetingState(row.state),
        scheduled_start=from_ms(row.scheduled_start),
        created_at=from_ms(row.created_at),
        chair_password=row.chair_password,
        guest_password=row.guest_password,
        allow_guest_start=bool(row.allow_guest_start),
        prolong_step=row.prolong_step,
        conf_uuid=row.conf_uuid,
        started_at=_dt(row.started_at),
        end_at=_dt(row.end_at),
        ended_reason=row.ended_reason,
        version=row.version,
        details=json.loads(row.details),
    )


def _meeting_values(m: Meeting) -> dict[str, Any]:
    return {
        "owner_id": m.owner_id,
        "corp_id": m.corp_id,
        "subject": m.subject,
        "media_types": m.media_types,
        "length": m.length,
        "kind": m.kind.value,
        "state": m.state.value,
        "scheduled_start": to_ms(m.scheduled_start),
        "created_at": to_ms(m.created_at),
        "chair_password": m.chair_password,
        "guest_password": m.guest_password,
        "allow_guest_start": m.allow_guest_start,
        "prolong_step": m.prolong_step,
        "conf_uuid": m.conf_uuid,
        "started_at": _ms(m.started_at),
        "end_at": _ms(m.end_at),
        "ended_reason": m.ended_reason,
        "deadline_at": _ms(m.deadline),
        "details": json.dumps(m.details, separators=(",", ":")),
    }


def _access_token(row: Any) -> AccessToken:
    return AccessToken(
        digest=row.digest,
        refresh_digest=row.refresh_digest,
        account_id=row.account_id,
        client_type=row.client_type,
        client_ip=row.client_ip,
        created_at=from_ms(row.created_at),
        expires_at=from_ms(row.expires_at),
        refresh_expires_at=from_ms(row.refresh_expires_at),
    )


def _control_token(row: Any) -> ControlToken:
    return ControlToken(
        digest=row.digest,
        conference_id=row.conference_id,
        conf_uuid=row.conf_uuid,
        role=Role(row.role),
        created_at=from_ms(row.created_at),
        expires_at=from_ms(row.expires_at),
    )


_MEETING_COLUMNS = (
    "owner_id",
    "corp_id",
    "subject",
    "media_types",
    "length",
    "kind",
    "state",
    "scheduled_start",
    "created_at",
    "chair_password",
    "guest_password",
    "allow_guest_start",
    "prolong_step",
    "conf_uuid",
    "started_at",
    "end_at",
    "ended_reason",
    "deadline_at",
    "details",
    "version",
)


# The hot path's statements, built once: constructing a statement costs more than running it.
_SELECT_MEETING = select(meetings).where(meetings.c.conference_id == bindparam("cid"))
_SELECT_MEETING_LOCKED = _SELECT_MEETING.with_for_update()
_UPDATE_MEETING = (
    update(meetings)
    .where(meetings.c.conference_id == bindparam("cid"), meetings.c.version == bindparam("expected"))
    .values({name: bindparam(name) for name in _MEETING_COLUMNS})
)
_INSERT_EVENTS = insert(meeting_events).values(
    {
        name: bindparam(name)
        for name in ("conference_id", "conf_uuid", "at", "kind", "actor", "old_end", "new_end", "detail")
    }
)
_SELECT_CONTROL_TOKEN = select(control_tokens).where(control_tokens.c.digest == bindparam("digest"))
_SELECT_ACCESS_TOKEN = select(access_tokens).where(access_tokens.c.digest == bindparam("digest"))
_SELECT_ACCOUNT = select(accounts).where(accounts.c.id == bindparam("id"))


def _event_rows(m: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "conference_id": m.conference_id,
            "conf_uuid": m.conf_uuid,
            "at": to_ms(e.at),
            "kind": e.kind.value,
            "actor": e.actor[:64],
            "old_end": _ms(e.old_end),
            "new_end": _ms(e.new_end),
            "detail": e.detail[:255],
        }
        for e in m.events
    ]


@dataclass(frozen=True)
class MeetingQuery:
    """Which meetings a list call wants; `owner_id` None means the whole `corp_id`."""

    states: Sequence[MeetingState]
    corp_id: str
    owner_id: str | None
    search: str | None
    offset: int
    limit: int
    descending: bool = False
    ran_from: datetime | None = None
    """With `ran_to`: only runs that overlap [ran_from, ran_to] (history queries)."""
    ran_to: datetime | None = None


@dataclass(frozen=True)
class LedgerEntry:
    conf_uuid: str
    event: MeetingEvent


class Tx:
    """The store's operations inside one transaction."""

    def __init__(self, conn: PgConnection | InLoopConnection) -> None:
        self.conn = conn

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
        return _account(row) if row else None

    async def account_by_id(self, account_id: str) -> Account | None:
        row = await self.conn.fetch_one(_SELECT_ACCOUNT, {"id": account_id})
        return _account(row) if row else None

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
            insert(app_nonces).values(app_id=app_id, nonce=nonce, keep_until=_ms(keep_until))
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
        row = await self.conn.fetch_one(_SELECT_ACCESS_TOKEN, {"digest": digest})
        return _access_token(row) if row else None

    async def access_token_by_refresh(self, refresh_digest: str) -> AccessToken | None:
        row = (
            await self.conn.execute(
                select(access_tokens).where(access_tokens.c.refresh_digest == refresh_digest)
            )
        ).first()
        return _access_token(row) if row else None

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

    async def put_attempts(self, key: str, a: Attempts) -> None:
        values = {"failures": a.failures, "window_start": a.window_start, "locked_until": a.locked_until}
        await self.conn.execute(
            _upsert(self.conn, throttles)
            .values(key=key, **values)
            .on_conflict_do_update(index_elements=[throttles.c.key], set_=values)
        )

    async def clear_attempts(self, key: str) -> None:
        await self.conn.execute(delete(throttles).where(throttles.c.key == key))

    # -- meetings -----------------------------------------------------------------------------

    async def conference_id_taken(self, conference_id: str) -> bool:
        row = (
            await self.conn.execute(
                select(meetings.c.conference_id).where(meetings.c.conference_id == conference_id)
            )
        ).first()
        return row is not None

    async def insert_meeting(self, m: Meeting) -> None:
        try:
            await self.conn.execute(
                insert(meetings).values(
                    conference_id=m.conference_id, version=m.version, **_meeting_values(m)
                )
            )
        except IntegrityError as e:
            raise StaleWrite(m.conference_id) from e
        await self._append_events(m)

    async def meeting_by_run(self, conf_uuid: str) -> Meeting | None:
        row = (await self.conn.execute(select(meetings).where(meetings.c.conf_uuid == conf_uuid))).first()
        return _meeting(row) if row else None

    async def meeting(self, conference_id: str, *, for_update: bool = False) -> Meeting | None:
        locked = for_update and self.conn.dialect.name == "postgresql"
        query = _SELECT_MEETING_LOCKED if locked else _SELECT_MEETING
        row = await self.conn.fetch_one(query, {"cid": conference_id})
        return _meeting(row) if row else None

    async def save_meeting(self, m: Meeting) -> None:
        """Writes a changed meeting and its new ledger entries; StaleWrite if it moved on."""
        rowcount = await self.conn.run(
            _UPDATE_MEETING,
            {"cid": m.conference_id, "expected": m.version, **_meeting_values(m), "version": m.version + 1},
        )
        if rowcount != 1:
            raise StaleWrite(m.conference_id)
        m.version += 1
        await self._append_events(m)

    async def _append_events(self, m: Meeting) -> None:
        if not m.events:
            return
        await self.conn.run_many(_INSERT_EVENTS, _event_rows(m))
        m.events.clear()

    async def ledger(self, conference_id: str) -> list[LedgerEntry]:
        rows = await self.conn.execute(
            select(meeting_events)
            .where(meeting_events.c.conference_id == conference_id)
            .order_by(meeting_events.c.id)
        )
        return [
            LedgerEntry(
                r.conf_uuid,
                MeetingEvent(
                    EventKind(r.kind), from_ms(r.at), r.actor, _dt(r.old_end), _dt(r.new_end), r.detail
                ),
            )
            for r in rows
        ]

    async def search_meetings(self, q: MeetingQuery) -> tuple[int, list[Meeting]]:
        where = [meetings.c.state.in_([s.value for s in q.states]), meetings.c.corp_id == q.corp_id]
        if q.owner_id is not None:
            where.append(meetings.c.owner_id == q.owner_id)
        if q.ran_from is not None and q.ran_to is not None:
            where += [meetings.c.started_at <= to_ms(q.ran_to), meetings.c.end_at >= to_ms(q.ran_from)]
        if q.search:
            pattern = "%" + q.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            owners = select(accounts.c.id).where(accounts.c.name.like(pattern, escape="\\"))
            where.append(
                or_(
                    meetings.c.subject.like(pattern, escape="\\"),
                    meetings.c.conference_id.like(pattern, escape="\\"),
                    meetings.c.owner_id.in_(owners),
                )
            )
        cond = and_(*where)
        total = (await self.conn.execute(select(func.count()).select_from(meetings).where(cond))).scalar_one()
        order = meetings.c.scheduled_start.desc() if q.descending else meetings.c.scheduled_start
        rows = await self.conn.execute(
            select(meetings)
            .where(cond)
            .order_by(order, meetings.c.conference_id)
            .offset(q.offset)
            .limit(q.limit)
        )
        return int(total), [_meeting(r) for r in rows]

    # -- control tokens -----------------------------------------------------------------------

    async def insert_control_token(self, t: ControlToken) -> None:
        await self.conn.execute(
            insert(control_tokens).values(
                digest=t.digest,
                conference_id=t.conference_id,
                conf_uuid=t.conf_uuid,
                role=int(t.role),
                created_at=to_ms(t.created_at),
                expires_at=to_ms(t.expires_at),
            )
        )

    async def control_token(self, digest: str) -> ControlToken | None:
        row = await self.conn.fetch_one(_SELECT_CONTROL_TOKEN, {"digest": digest})
        return _control_token(row) if row else None

    async def insert_ws_token(
        self, digest: str, conference_id: str, conf_uuid: str, role: Role, expires_at: datetime
    ) -> None:
        await self.conn.execute(
            insert(ws_tokens).values(
                digest=digest,
                conference_id=conference_id,
                conf_uuid=conf_uuid,
                role=int(role),
                expires_at=to_ms(expires_at),
            )
        )

    async def consume_ws_token(
        self, digest: str, conference_id: str, now: datetime
    ) -> tuple[str, Role] | None:
        """Uses a WebSocket token up: (run, role) if it was live and for this meeting, else None.
        Expired tokens are swept on the way."""
        await self.conn.execute(delete(ws_tokens).where(ws_tokens.c.expires_at <= to_ms(now)))
        row = (
            await self.conn.execute(
                delete(ws_tokens)
                .where(ws_tokens.c.digest == digest, ws_tokens.c.conference_id == conference_id)
                .returning(ws_tokens.c.conf_uuid, ws_tokens.c.role)
            )
        ).first()
        return (row.conf_uuid, Role(row.role)) if row else None

    async def renew_control_token(self, digest: str, expires_at: datetime) -> None:
        await self.conn.execute(
            update(control_tokens)
            .where(control_tokens.c.digest == digest)
            .values(expires_at=to_ms(expires_at))
        )

    # -- presence -----------------------------------------------------------------------------

    async def insert_participant(self, p: Participant) -> None:
        await self.conn.execute(
            insert(participants).values(
                participant_id=p.participant_id,
                conference_id=p.conference_id,
                conf_uuid=p.conf_uuid,
                name=p.name,
                role=int(p.role),
                joined_at=to_ms(p.joined_at),
                left_at=_ms(p.left_at),
            )
        )

    async def participant(self, conference_id: str, participant_id: str) -> Participant | None:
        row = (
            await self.conn.execute(
                select(participants).where(
                    participants.c.participant_id == participant_id,
                    participants.c.conference_id == conference_id,
                )
            )
        ).first()
        return _participant(row) if row else None

    async def present(self, conference_id: str, conf_uuid: str) -> list[Participant]:
        rows = await self.conn.execute(
            select(participants)
            .where(
                participants.c.conference_id == conference_id,
                participants.c.conf_uuid == conf_uuid,
                participants.c.left_at.is_(None),
            )
            .order_by(participants.c.joined_at, participants.c.participant_id)
        )
        return [_participant(r) for r in rows]

    async def present_count(self, conference_id: str, conf_uuid: str) -> int:
        count = (
            await self.conn.execute(
                select(func.count())
                .select_from(participants)
                .where(
                    participants.c.conference_id == conference_id,
                    participants.c.conf_uuid == conf_uuid,
                    participants.c.left_at.is_(None),
                )
            )
        ).scalar_one()
        return int(count)

    async def leave(self, participant_id: str, at: datetime) -> None:
        await self.conn.execute(
            update(participants)
            .where(participants.c.participant_id == participant_id, participants.c.left_at.is_(None))
            .values(left_at=to_ms(at))
        )

    async def leave_all(self, conference_id: str, conf_uuid: str, at: datetime) -> None:
        await self.conn.execute(
            update(participants)
            .where(
                participants.c.conference_id == conference_id,
                participants.c.conf_uuid == conf_uuid,
                participants.c.left_at.is_(None),
            )
            .values(left_at=to_ms(at))
        )

    # -- deadlines ----------------------------------------------------------------------------

    async def next_deadline(self) -> datetime | None:
        ms = (await self.conn.execute(select(func.min(meetings.c.deadline_at)))).scalar_one()
        return None if ms is None else from_ms(int(ms))

    async def meetings_due(self, until: datetime, limit: int, *, skip_locked: bool = True) -> list[Meeting]:
        """Up to `limit` meetings whose deadline is at or before `until`, earliest first, locked
        for this transaction. On PostgreSQL, rows another replica holds are skipped, or with
        `skip_locked=False` waited for (and re-checked once free)."""
        query = (
            select(meetings)
            .where(meetings.c.deadline_at <= to_ms(until))
            .order_by(meetings.c.deadline_at, meetings.c.conference_id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=skip_locked)
        return [_meeting(r) for r in await self.conn.execute(query)]

    async def present_counts(self, runs: Sequence[tuple[str, str]]) -> dict[str, int]:
        """How many are present in each (conference_id, conf_uuid) run."""
        if not runs:
            return {}
        wanted = dict(runs)
        rows = await self.conn.execute(
            select(participants.c.conference_id, participants.c.conf_uuid, func.count())
            .where(participants.c.conference_id.in_(list(wanted)), participants.c.left_at.is_(None))
            .group_by(participants.c.conference_id, participants.c.conf_uuid)
        )
        return {r[0]: int(r[2]) for r in rows if wanted.get(r[0]) == r[1]}

    async def leave_runs(self, runs: Sequence[tuple[str, str, datetime]]) -> None:
        """Everyone still present in each (conference_id, conf_uuid) run leaves at its time."""
        if not runs:
            return
        await self.conn.execute(
            update(participants)
            .where(
                participants.c.conference_id == bindparam("cid"),
                participants.c.conf_uuid == bindparam("run"),
                participants.c.left_at.is_(None),
            )
            .values(left_at=bindparam("at")),
            [{"cid": cid, "run": run, "at": to_ms(at)} for cid, run, at in runs],
        )

    async def save_locked_meetings(self, changed: Sequence[Meeting]) -> None:
        """Writes meetings this transaction holds locked (read by `meetings_due`), with their
        new ledger entries, in a few statements whatever their number."""
        if not changed:
            return
        await self.conn.execute(
            update(meetings)
            .where(meetings.c.conference_id == bindparam("cid"))
            .values({name: bindparam(name) for name in _MEETING_COLUMNS}),
            [{"cid": m.conference_id, **_meeting_values(m), "version": m.version + 1} for m in changed],
        )
        rows = [row for m in changed for row in _event_rows(m)]
        if rows:
            await self.conn.execute(insert(meeting_events), rows)
        for m in changed:
            m.version += 1
            m.events.clear()

    async def due(self, until: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Meetings whose deadline is at or before `until`, earliest first."""
        rows = await self.conn.execute(
            select(meetings.c.conference_id, meetings.c.deadline_at)
            .where(meetings.c.deadline_at <= to_ms(until))
            .order_by(meetings.c.deadline_at, meetings.c.conference_id)
            .limit(limit)
        )
        return [(r.conference_id, from_ms(r.deadline_at)) for r in rows]

    # -- sandbox ------------------------------------------------------------------------------

    async def clock_offset_ms(self) -> int:
        value = (
            await self.conn.execute(select(sandbox_state.c.clock_offset_ms).where(sandbox_state.c.id == 1))
        ).scalar_one_or_none()
        return int(value or 0)

    async def set_clock_offset_ms(self, offset_ms: int) -> None:
        await self.conn.execute(
            _upsert(self.conn, sandbox_state)
            .values(id=1, clock_offset_ms=offset_ms)
            .on_conflict_do_update(index_elements=[sandbox_state.c.id], set_={"clock_offset_ms": offset_ms})
        )

    async def lock_clock(self) -> int:
        """The stored offset, locked until this transaction ends (advances take turns)."""
        query = select(sandbox_state.c.clock_offset_ms).where(sandbox_state.c.id == 1)
        if self.conn.dialect.name == "postgresql":
            await self.conn.execute(
                _upsert(self.conn, sandbox_state).values(id=1, clock_offset_ms=0).on_conflict_do_nothing()
            )
            query = query.with_for_update()
        value = (await self.conn.execute(query)).scalar_one_or_none()
        return int(value or 0)

    async def reset_meetings(self) -> None:
        """Sandbox reset: every meeting, control token, participant and ledger entry goes."""
        for table in (
            participants,
            control_tokens,
            ws_tokens,
            webhook_deliveries,
            meeting_events,
            meetings,
            throttles,
        ):
            await self.conn.execute(delete(table))
        # The ledger starts again from empty: webhook delivery starts again from its beginning.
        await self.conn.execute(update(webhook_configs).values(cursor=0))


def _participant(row: Row[Any]) -> Participant:
    return Participant(
        participant_id=row.participant_id,
        conference_id=row.conference_id,
        conf_uuid=row.conf_uuid,
        name=row.name,
        role=Role(row.role),
        joined_at=from_ms(row.joined_at),
        left_at=_dt(row.left_at),
    )
