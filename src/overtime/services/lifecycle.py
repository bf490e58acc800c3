"""Deadlines: what happens when a meeting's time comes (BEHAVIOUR §3): every due deadline,
each applied as of its own due time, a batch of meetings per transaction."""

from __future__ import annotations

from datetime import datetime

from overtime.domain.meeting import MeetingEvent, MeetingState
from overtime.domain.room import Room
from overtime.services.context import Context, Subscriber

BATCH = 200


async def process_due(ctx: Context, until: datetime, batch: int = BATCH, *, skip_locked: bool = True) -> int:
    """Applies every deadline at or before `until` (see `apply_due`); returns how many."""
    applied, _ = await apply_due(ctx, until, batch, skip_locked=skip_locked)
    return applied


async def apply_due(
    ctx: Context,
    until: datetime,
    batch: int = BATCH,
    *,
    skip_locked: bool = True,
    publish: Subscriber | None = None,
) -> tuple[int, datetime | None]:
    """Applies every deadline at or before `until`. A meeting that auto-extends to a time still
    before `until` is applied again, step by step, so each ledger entry carries its exact time.
    Meetings are independent, so each is brought up to `until` on its own. Returns how many
    deadlines were applied and the earliest deadline left, read in the last batch's transaction
    (a batch smaller than `batch` is the last: no empty transaction to find that out). The
    deadline loop skips meetings another replica is applying right
    now; a sandbox advance waits for them, since it must answer only once all are applied.
    Each batch's changes are published (`publish`, by default the bus's) once it has committed."""
    publish = publish or ctx.bus.publish
    applied = 0
    while True:
        published: list[tuple[str, list[MeetingEvent]]] = []
        async with ctx.store.write() as tx:
            due = await tx.meetings_due(until, batch, skip_locked=skip_locked)
            if not due:
                return applied, await tx.next_deadline()
            present = await tx.present_counts(
                [
                    (m.conference_id, m.conf_uuid)
                    for m in due
                    if m.state is MeetingState.RUNNING and m.prolong_step
                ]
            )
            ended = []
            rooms: list[Room] = []
            for meeting in due:
                was_running = meeting.state is MeetingState.RUNNING
                room: Room | None = None
                while (deadline := meeting.deadline) is not None and deadline <= until:
                    if meeting.call_deadline == deadline:
                        # Unanswered calls end (BEHAVIOUR §8); the meeting runs on.
                        if room is None:
                            room = Room(meeting, await tx.present(meeting.conference_id, meeting.conf_uuid))
                            rooms.append(room)
                        room.expire_calls(deadline)
                        room.settle()
                    else:
                        meeting.on_deadline(present.get(meeting.conference_id, 0), ctx.policy)
                    applied += 1
                if was_running and meeting.state is MeetingState.ENDED:
                    assert meeting.end_at is not None
                    ended.append((meeting.conference_id, meeting.conf_uuid, meeting.end_at))
                for run in meeting.archived:  # a series' run that ended and rolled on
                    assert run.end_at is not None
                    ended.append((run.conference_id, run.conf_uuid, run.end_at))
                published.append((meeting.conference_id, list(meeting.events)))
            for room in rooms:
                await tx.save_sites(room.changed.values())
            await tx.leave_runs(ended)
            await tx.save_locked_meetings(due)
            following = await tx.next_deadline() if len(due) < batch else None
        for conference_id, events in published:
            await publish(conference_id, events)
        if len(due) < batch:
            return applied, following
