"""Connections as `Tx` sees them, and the hot path's statements run on the raw driver.

SQLAlchemy Core builds, caches and executes a statement in roughly 60–100 µs of Python; the
driver itself runs a primary-key SELECT or UPDATE in a few. The few statements every extension
runs (decision 0003) are compiled once per dialect to SQL text and executed on the driver's
cursor inside the same transaction; everything else goes through SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class RawRow(dict[str, Any]):
    """A fetched row with attribute access, like SQLAlchemy's Row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class RawStatement:
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in order for positional paramstyles (SQLite's `?`); None when named."""

    def bind(self, params: dict[str, Any]) -> Any:
        return tuple(params[name] for name in self.positions) if self.positions is not None else params


_compiled: dict[tuple[int, str], RawStatement] = {}


def compiled(statement: ClauseElement, dialect: Dialect) -> RawStatement:
    key = (id(statement), dialect.name)
    found = _compiled.get(key)
    if found is None:
        c = statement.compile(dialect=dialect)
        assert isinstance(c, SQLCompiler)
        positions = tuple(c.positiontup) if c.positional and c.positiontup is not None else None
        found = _compiled[key] = RawStatement(str(c), positions)
    return found


class InLoopConnection:
    """A synchronous SQLAlchemy connection behind the awaitable interface `Tx` uses.

    SQLite runs in the process: a statement costs tens of microseconds, less than the hop to a
    driver thread that an async driver pays for each one (decision 0003). The event loop is
    blocked only for that long; the busy timeout bounds the wait for another process's lock."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self._driver: Any = conn.connection.driver_connection

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)

    async def fetch_one(self, statement: ClauseElement, params: dict[str, Any]) -> RawRow | None:
        raw = compiled(statement, self.dialect)
        cur = self._driver.execute(raw.sql, raw.bind(params))
        row = cur.fetchone()
        if row is None:
            return None
        return RawRow(zip((d[0] for d in cur.description), row, strict=True))

    async def run(self, statement: ClauseElement, params: dict[str, Any]) -> int:
        raw = compiled(statement, self.dialect)
        rowcount: int = self._driver.execute(raw.sql, raw.bind(params)).rowcount
        return rowcount

    async def run_many(self, statement: ClauseElement, rows: Sequence[dict[str, Any]]) -> None:
        raw = compiled(statement, self.dialect)
        self._driver.executemany(raw.sql, [raw.bind(r) for r in rows])


class PgConnection:
    """An async SQLAlchemy connection on PostgreSQL, with the raw psycopg cursor for the hot
    statements (same transaction: it is the same database connection)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self._driver: Any = None

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return await self._conn.execute(statement, parameters)

    async def _cursor(self) -> Any:
        if self._driver is None:
            self._driver = (await self._conn.get_raw_connection()).driver_connection
        return self._driver.cursor()

    async def fetch_one(self, statement: ClauseElement, params: dict[str, Any]) -> RawRow | None:
        raw = compiled(statement, self.dialect)
        async with await self._cursor() as cur:
            await cur.execute(raw.sql, raw.bind(params))
            row = await cur.fetchone()
            if row is None:
                return None
            return RawRow(zip((d.name for d in cur.description), row, strict=True))

    async def run(self, statement: ClauseElement, params: dict[str, Any]) -> int:
        raw = compiled(statement, self.dialect)
        async with await self._cursor() as cur:
            await cur.execute(raw.sql, raw.bind(params))
            rowcount: int = cur.rowcount
            return rowcount

    async def run_many(self, statement: ClauseElement, rows: Sequence[dict[str, Any]]) -> None:
        raw = compiled(statement, self.dialect)
        async with await self._cursor() as cur:
            await cur.executemany(raw.sql, [raw.bind(r) for r in rows])
