"""Deletes every row of every table (the sandbox's per-test clean slate, `POST /sandbox/v1/wipe`).

Generic on purpose: it walks `tables.metadata.sorted_tables` children first, so a table added
later is wiped too without touching this module. The schema and alembic's version stay."""

from __future__ import annotations

from sqlalchemy import delete

from overtime.storage import tables
from overtime.storage.sql import Tx


async def wipe(tx: Tx) -> None:
    for table in reversed(tables.metadata.sorted_tables):
        await tx.conn.execute(delete(table))
