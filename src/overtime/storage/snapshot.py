"""The whole database as plain rows and back (sandbox snapshots, issue 13 §4).

Generic over `tables.metadata`: every table, every column, so tables and columns added later are
in snapshots without touching this module. Rows are dicts of column name to value (every column
type Overtime uses is an integer, a string, a boolean or null)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Integer, String, Text, insert, select, text
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from overtime.storage import tables
from overtime.storage.sql import Tx
from overtime.storage.wipe import wipe

Rows = dict[str, list[dict[str, Any]]]


async def schema_revision(tx: Tx) -> str:
    """The alembic revision of the database ("" when there is none)."""
    value = (await tx.conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    return str(value or "")


async def dump(tx: Tx) -> Rows:
    out: Rows = {}
    for table in tables.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        result = await tx.conn.execute(select(table).order_by(*order))
        out[table.name] = [dict(row._mapping) for row in result]
    return out


def check(rows: Rows) -> None:
    """ValueError naming the first table, column or value this schema cannot take."""
    known = {t.name: t for t in tables.metadata.sorted_tables}
    for name, table_rows in rows.items():
        table = known.get(name)
        if table is None:
            raise ValueError(f"table {name!r} is not in this Overtime's schema")
        required = [c.name for c in table.columns if _required(c)]
        for i, row in enumerate(table_rows):
            for column, value in row.items():
                if column not in table.columns:
                    raise ValueError(f"{name}[{i}]: column {column!r} is not in this Overtime's schema")
                kind = table.columns[column].type
                if value is None:
                    continue
                if isinstance(kind, Boolean):
                    good = isinstance(value, bool)
                elif isinstance(kind, Integer):
                    good = (
                        isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
                    )
                elif isinstance(kind, String | Text):
                    good = isinstance(value, str) and (kind.length is None or len(value) <= kind.length)
                else:
                    good = True
                if not good:
                    raise ValueError(f"{name}[{i}].{column}: {str(value)[:40]!r} is not a valid {kind}")
            missing = [c for c in required if c not in row]
            if missing:
                raise ValueError(f"{name}[{i}]: column {missing[0]!r} is missing")


def _required(column: Column[Any]) -> bool:
    """A column a row must name: not nullable, no default, not an auto-numbered key."""
    if column.nullable or column.default is not None or column.server_default is not None:
        return False
    auto_key = column is column.table.autoincrement_column
    return not auto_key


async def load(tx: Tx, rows: Rows) -> None:
    """Replaces everything with `rows` (tables missing from it end empty); ValueError naming the
    reason when the rows break the schema (the caller's transaction then rolls back)."""
    check(rows)
    await wipe(tx)
    for table in tables.metadata.sorted_tables:
        table_rows = rows.get(table.name) or []
        if table_rows:
            try:
                await tx.conn.execute(insert(table), table_rows)
            except (IntegrityError, DataError, StatementError) as e:
                reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
                raise ValueError(f"table {table.name!r}: {reason}") from None
