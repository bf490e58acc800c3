"""Figures the metrics endpoint reads from the database at scrape time: meetings in progress and
webhook deliveries waiting. Whole-database counts: every replica reports the same values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from overtime.domain.meeting import MeetingState
from overtime.services.context import Context
from overtime.storage.tables import meetings, webhook_deliveries
from overtime.storage.webhooks import PENDING


@dataclass(frozen=True)
class Counts:
    running_meetings: int
    pending_webhooks: int


async def counts(ctx: Context) -> Counts:
    async with ctx.store.read() as tx:
        running = (
            await tx.conn.execute(
                select(func.count())
                .select_from(meetings)
                .where(meetings.c.state == MeetingState.RUNNING.value)
            )
        ).scalar_one()
        pending = (
            await tx.conn.execute(
                select(func.count())
                .select_from(webhook_deliveries)
                .where(webhook_deliveries.c.state == PENDING)
            )
        ).scalar_one()
    return Counts(int(running), int(pending))
