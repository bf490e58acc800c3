"""Deadlines: what happens when a meeting's time comes (BEHAVIOUR §3), one meeting per
transaction, in time order, each as of its own due time."""

from __future__ import annotations

from datetime import datetime

from overtime.domain.meeting import MeetingState
from overtime.services.context import Context, Pending

BATCH = 200


async def apply_deadline(ctx: Context, conference_id: str, until: datetime) -> datetime | None:
    """Applies the meeting's deadline if it is due by `until`; returns its next deadline."""
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await tx.meeting(conference_id, for_update=True)
        if meeting is None:
            return None
        due = meeting.deadline
        if due is None or due > until:
            return due
        running = meeting.state is MeetingState.RUNNING
        present = await tx.present_count(conference_id, meeting.conf_uuid) if running else 0
        meeting.on_deadline(present, ctx.policy)
        if running and meeting.state is MeetingState.ENDED:
            assert meeting.end_at is not None
            await tx.leave_all(conference_id, meeting.conf_uuid, meeting.end_at)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
    return meeting.deadline


async def process_due(ctx: Context, until: datetime, batch: int = BATCH) -> int:
    """Processes every deadline at or before `until`, earliest first; a meeting auto-extended
    to a time still before `until` comes round again in its turn. Returns how many it applied."""
    applied = 0
    while True:
        async with ctx.store.read() as tx:
            due = await tx.due(until, batch)
        if not due:
            return applied
        for i, (conference_id, _deadline) in enumerate(due):
            following = await apply_deadline(ctx, conference_id, until)
            applied += 1
            if (
                following is not None
                and following <= until
                and i + 1 < len(due)
                and following < due[i + 1][1]
            ):
                break  # re-read so that this meeting's next deadline keeps its place in order
