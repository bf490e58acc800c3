"""The SQL store: one set of SQLAlchemy Core queries for SQLite (stdlib driver, WAL) and PostgreSQL
(psycopg 3, async).

Writes run in `Store.write()`: one transaction, committed on success and rolled back on any
error, so a refused request changes nothing. On SQLite, writes are serialised in the process on
one connection and open with `BEGIN IMMEDIATE`, so a read-then-write transaction never fails on a
lock upgrade; the writes of one event-loop turn share a commit (`SqliteWriter`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    make_url,
    select,
)
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from overtime.storage.errors import StaleWrite, StoreUnavailable
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import LedgerEntry, MeetingQuery
from overtime.storage.tables import meetings
from overtime.storage.tx_accounts import AccountsTx
from overtime.storage.tx_lifecycle import LifecycleTx
from overtime.storage.tx_meetings import MeetingsTx


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


def _configure_sqlite(engine: Engine, *, begin: str | None) -> None:
    """`begin`: the statement SQLAlchemy's begin() issues (None: transactions are driven by the
    caller on the driver, as `SqliteWriter` does)."""
    event.listen(engine, "connect", _sqlite_pragmas)
    if begin is not None:
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))


IDLE_PING_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for a connection idle for over a second: one that
    was just used is alive, and pinging it cost a round trip per request (decision 0007). A
    connection that fails the ping is replaced, so a PostgreSQL restart still costs no request."""

    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("used", 0.0) <= IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as e:
            raise DisconnectionError(str(e)) from e


_MIGRATION_LOCK = 0x6F76_6572  # any constant; replicas starting together migrate one at a time


def _private_sqlite_file(url: str) -> None:
    """The SQLite file holds App keys, webhook keys and meeting passwords: created 0600 before
    SQLite opens it (SQLite gives its -wal and -shm files the database file's mode), and an
    existing one readable by others is made 0600 with its -wal and -shm."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, database + "-wal", database + "-shm"):
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
        except (FileNotFoundError, PermissionError):
            pass


def migrate(url: str) -> None:
    """Brings the schema to the newest revision (idempotent; run at every start)."""
    if url.startswith("sqlite:"):
        _private_sqlite_file(url)
    engine = create_engine(_driver_url(url, asynchronous=False))
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, begin="BEGIN IMMEDIATE")
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


class SqliteWriter:
    """The one write connection of a SQLite store, with group commit (decision 0007).

    Each `Store.write()` block runs in a savepoint of a transaction that the writes arriving in
    the same event-loop turn share: a block that fails rolls back to its savepoint and changes
    nothing, one that succeeds waits for the shared COMMIT before it returns, so a write is
    acknowledged only once it is durable. One COMMIT (and one BEGIN) then serves many requests.
    The connection stays checked out: SQLAlchemy sees one long transaction and issues no
    BEGIN or COMMIT of its own (the driver is in autocommit mode); they are issued here."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._lock = asyncio.Lock()
        self._batch: asyncio.Future[None] | None = None
        """The open transaction's commit, awaited by every block that wrote in it."""
        self._committer: asyncio.Task[None] | None = None

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.invalidated or self._conn.closed:
            conn = self._engine.connect()
            conn.begin()  # bookkeeping only: no statement is issued
            self._conn = conn
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            conn = self._connection()
            driver = conn.connection.driver_connection
            assert driver is not None
            batch = self._batch
            if batch is None:
                driver.execute("BEGIN IMMEDIATE")
                batch = self._batch = asyncio.get_running_loop().create_future()
                self._committer = asyncio.create_task(self._commit(batch), name="overtime-group-commit")
            driver.execute("SAVEPOINT block")
            try:
                yield Tx(InLoopConnection(conn))
            except BaseException as e:
                if driver.in_transaction:
                    driver.execute("ROLLBACK TO block")
                    driver.execute("RELEASE block")
                else:  # SQLite rolled the whole transaction back (disk full, I/O error)
                    self._fail(batch, e)
                raise
            driver.execute("RELEASE block")
        # Shielded: a cancelled request must not cancel the commit the others wait for.
        await asyncio.shield(batch)

    async def _commit(self, batch: asyncio.Future[None]) -> None:
        await asyncio.sleep(0)  # the writes already runnable in this turn join the batch
        async with self._lock:
            if self._batch is not batch:
                return  # failed already
            self._batch = None
            assert self._conn is not None
            driver = self._conn.connection.driver_connection
            assert driver is not None
            try:
                driver.execute("COMMIT")
            except Exception as e:
                with suppress(Exception):
                    driver.execute("ROLLBACK")
                self._fail(batch, StoreUnavailable(f"commit failed: {e}"))
                return
            batch.set_result(None)

    def _fail(self, batch: asyncio.Future[None], error: BaseException) -> None:
        """The shared transaction is lost: every block that wrote in it fails."""
        if self._batch is batch:
            self._batch = None
        if not batch.done():
            failure = error if isinstance(error, StoreUnavailable) else StoreUnavailable(str(error))
            batch.set_exception(failure)
            batch.add_done_callback(lambda f: f.exception())  # retrieved even when nobody waits

    async def close(self) -> None:
        """Commits a batch still open, then closes the connection."""
        batch = self._batch
        if batch is not None:
            with suppress(Exception):
                await asyncio.shield(batch)
        async with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Store:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        """`pool_size`: PostgreSQL connections kept open; as many more may open under a burst."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite:")
        if self.is_sqlite:
            sync_url = _driver_url(url, asynchronous=False)
            self._sqlite_write: Engine = create_engine(sync_url, pool_size=1, max_overflow=0)
            self._sqlite_read: Engine = create_engine(sync_url, pool_size=4, max_overflow=8)
            _configure_sqlite(self._sqlite_write, begin=None)
            _configure_sqlite(self._sqlite_read, begin="BEGIN")
            self._writer = SqliteWriter(self._sqlite_write)
        else:
            self._engine: AsyncEngine = create_async_engine(
                _driver_url(url, asynchronous=True), pool_size=pool_size, max_overflow=pool_size
            )
            _ping_when_idle(self._engine.sync_engine)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        async with self._transaction(writing=True) as tx:
            yield tx

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        async with self._transaction(writing=False) as tx:
            yield tx

    @asynccontextmanager
    async def _transaction(self, *, writing: bool) -> AsyncIterator[Tx]:
        try:
            if not self.is_sqlite:
                async with self._engine.begin() as conn:
                    yield Tx(PgConnection(conn))
            elif writing:
                async with self._writer.transaction() as tx:
                    yield tx
            else:
                with self._sqlite_read.begin() as sync_conn:
                    yield Tx(InLoopConnection(sync_conn))
        except (OperationalError, InterfaceError) as e:
            if e.connection_invalidated or not self.is_sqlite:
                raise StoreUnavailable(str(e.orig)) from e
            raise

    async def check_read(self) -> None:
        """A real read of the meetings table (`GET /health?deep=1`): raises when it fails."""
        async with self.read() as tx:
            (await tx.conn.execute(select(meetings.c.subject).limit(1))).first()

    async def close(self) -> None:
        if self.is_sqlite:
            await self._writer.close()
            self._sqlite_write.dispose()
            self._sqlite_read.dispose()
        else:
            await self._engine.dispose()


class Tx(AccountsTx, MeetingsTx, LifecycleTx):
    """The store's operations inside one transaction."""

    def __init__(self, conn: PgConnection | InLoopConnection) -> None:
        self.conn = conn


__all__ = ["LedgerEntry", "MeetingQuery", "StaleWrite", "Store", "StoreUnavailable", "Tx", "migrate"]
