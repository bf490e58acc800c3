"""Use cases of the testing toolkit (issue 13): wiping the whole state for a clean slate."""

from __future__ import annotations

import asyncio
from typing import Any

from overtime.domain import errors
from overtime.domain.clock import OffsetClock, to_ms
from overtime.services import sandbox
from overtime.services.context import Context
from overtime.storage import snapshot as snapshot_rows
from overtime.storage.wipe import wipe


async def wipe_all(ctx: Context, lock: asyncio.Lock) -> None:
    """Every account, app, token, meeting, participant, ledger entry and webhook subscription
    goes, and the sandbox clock returns to the wall clock (offset 0)."""
    async with lock:
        async with ctx.store.write() as tx:
            await wipe(tx)
        await sandbox.load_clock(ctx)


SNAPSHOT_FORMAT = "overtime-snapshot"
SNAPSHOT_VERSION = 1
"""The snapshot format's version: a newer one is refused; an older one is upgraded on load."""


async def snapshot(ctx: Context) -> dict[str, Any]:
    """The whole state as one JSON-ready document: accounts, apps, tokens, meetings, presence,
    ledger, webhook subscriptions and deliveries, the sandbox clock."""
    async with ctx.store.read() as tx:
        revision = await snapshot_rows.schema_revision(tx)
        rows = await snapshot_rows.dump(tx)
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "schemaRevision": revision,
        "createdAt": to_ms(ctx.clock.now()),
        "tables": rows,
    }


def _rows(document: Any) -> snapshot_rows.Rows:
    """The document's rows, or InvalidParameter saying why it cannot be loaded."""
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise errors.InvalidParameter(f"Not an Overtime snapshot: `format` must be {SNAPSHOT_FORMAT!r}.")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise errors.InvalidParameter("Snapshot `version` must be a positive integer.")
    if version > SNAPSHOT_VERSION:
        raise errors.InvalidParameter(
            f"Snapshot format version {version} is newer than this Overtime reads "
            f"(up to {SNAPSHOT_VERSION}); upgrade Overtime to load it."
        )
    rows = document.get("tables")
    if not isinstance(rows, dict) or not all(
        isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in rows.values()
    ):
        raise errors.InvalidParameter("Snapshot `tables` must map table names to lists of row objects.")
    try:
        snapshot_rows.check(rows)
    except ValueError as e:
        raise errors.InvalidParameter(f"Snapshot cannot be loaded: {e}.") from None
    return rows


async def restore(ctx: Context, lock: asyncio.Lock, document: Any) -> None:
    """Replaces the whole state with the snapshot's; nothing changes if it is refused."""
    rows = _rows(document)
    async with lock:
        try:
            async with ctx.store.write() as tx:
                await snapshot_rows.load(tx, rows)
        except ValueError as e:
            raise errors.InvalidParameter(f"Snapshot cannot be loaded: {e}.") from None
        if isinstance(ctx.clock, OffsetClock):  # a server's sandbox clock; not the command line's
            await sandbox.load_clock(ctx)
