"""Use cases of the testing toolkit (issue 13): wiping the whole state for a clean slate."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from overtime.domain import errors
from overtime.domain import webhooks as hooks
from overtime.domain.clock import OffsetClock, to_ms
from overtime.domain.events import EventKind
from overtime.services import sandbox
from overtime.services.context import Context
from overtime.storage import snapshot as snapshot_rows
from overtime.storage import toolkit_webhooks
from overtime.storage import webhooks as webhook_store
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


# -- webhook tooling ----------------------------------------------------------------------------

WEBHOOK_EVENTS = frozenset(name for kind in EventKind for name in kind.effects.webhooks)
"""The callback events a meeting can send (`domain/events.py`)."""


async def deliveries(
    ctx: Context, *, conference_id: str | None, event: str | None, state: str | None, limit: int
) -> list[dict[str, Any]]:
    async with ctx.store.read() as tx:
        return await toolkit_webhooks.deliveries(
            tx.conn, conference_id=conference_id, event=event, state=state, limit=limit
        )


async def resend(ctx: Context, delivery_id: int) -> bool:
    """Makes the delivery due again now; False if there is no such delivery."""
    async with ctx.store.write() as tx:
        return await toolkit_webhooks.resend(tx.conn, delivery_id, ctx.clock.now())


async def trigger(ctx: Context, event: str, conference_id: str) -> int:
    """Queues a callback `event` about the meeting to its corp's subscription, as if the meeting
    had done it now (`meeting.prolong` says the end moved 15 minutes); the ledger is untouched.
    Its ledger id is negative (no ledger entry); returns it."""
    if event not in WEBHOOK_EVENTS:
        raise errors.InvalidParameter(f"event must be one of {', '.join(sorted(WEBHOOK_EVENTS))}.")
    now = ctx.clock.now()
    async with ctx.store.write() as tx:
        meeting = await tx.meeting(conference_id)
        if meeting is None:
            raise errors.MeetingNotFound()
        config = await webhook_store.config_for_corp(tx.conn, meeting.corp_id)
        if config is None:
            raise errors.WebhookConfigNotFound()
        ledger_id = min(await toolkit_webhooks.lowest_ledger_id(tx.conn, config.id), 0) - 1
        end = meeting.end_time
        prolong = event == hooks.PROLONG
        body = hooks.payload(
            conference_id,
            meeting.conf_uuid,
            old_end_ms=to_ms(end) if prolong else None,
            new_end_ms=to_ms(end + timedelta(minutes=15)) if prolong else None,
        )
        key = hooks.idempotency_key(config.id, ledger_id, event)
        delivery = webhook_store.NewDelivery(
            config_id=config.id,
            ledger_id=ledger_id,
            seq=0,
            conference_id=conference_id,
            event=event,
            event_info=hooks.event_info(event, to_ms(now), body, key),
            idempotency_key=key,
        )
        await webhook_store.insert_deliveries(tx.conn, [delivery], now)
    return ledger_id
