"""Webhook deliveries as the sandbox's webhook tooling reads and replays them (issue 13 §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from overtime.domain.clock import to_ms
from overtime.storage.tables import webhook_deliveries as d
from overtime.storage.webhooks import PENDING, Conn


async def deliveries(
    conn: Conn, *, conference_id: str | None, event: str | None, state: str | None, limit: int
) -> list[dict[str, Any]]:
    """The newest `limit` deliveries that match, oldest first."""
    query = select(d).order_by(d.c.id.desc()).limit(limit)
    if conference_id is not None:
        query = query.where(d.c.conference_id == conference_id)
    if event is not None:
        query = query.where(d.c.event == event)
    if state is not None:
        query = query.where(d.c.state == state)
    rows = [dict(r._mapping) for r in await conn.execute(query)]
    return rows[::-1]


async def resend(conn: Conn, delivery_id: int, now: datetime) -> bool:
    """Makes a delivery due again now, as new (its attempts stay counted); False if unknown."""
    result = await conn.execute(
        update(d)
        .where(d.c.id == delivery_id)
        .values(state=PENDING, next_attempt_at=to_ms(now), first_attempt_at=None, done_at=None)
    )
    return bool(result.rowcount)


async def lowest_ledger_id(conn: Conn, config_id: str) -> int:
    """The lowest ledger id among the subscription's deliveries (triggered ones are negative)."""
    value = (await conn.execute(select(func.min(d.c.ledger_id)).where(d.c.config_id == config_id))).scalar()
    return int(value or 0)
