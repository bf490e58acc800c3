"""Recurring meetings (BEHAVIOUR §9, reference control §8): create, edit and cancel a series
or single sub-meetings. One `conferenceID` per series; its meeting row is the current or next
sub-meeting, each of which runs as a meeting of its own."""

from __future__ import annotations

from overtime.domain import errors
from overtime.domain.meeting import Meeting, MeetingKind, MeetingSpec, MeetingState
from overtime.domain.series import Cycle, Series
from overtime.services import meetings
from overtime.services.auth import Session
from overtime.services.context import Context, Pending
from overtime.storage.sql import Tx


def plan(ctx: Context, spec: MeetingSpec, cycle: Cycle, time_zone_id: str) -> Series:
    now = ctx.clock.now()
    start = spec.start or now.replace(second=0, microsecond=0)
    return Series.plan(cycle, time_zone_id, start, spec.length, spec.media_types, now)


async def create_recurring_meeting(
    ctx: Context, session: Session, spec: MeetingSpec, cycle: Cycle, time_zone_id: str
) -> tuple[Meeting, str]:
    """POST .../cycleconferences (and POST .../conferences with `cycleParams`)."""
    series = plan(ctx, spec, cycle, time_zone_id)
    return await meetings.create_meeting(ctx, session, spec, series=series)


async def _series_meeting(ctx: Context, session: Session, conference_id: str, tx: Tx) -> Meeting:
    meeting = await tx.meeting(conference_id, for_update=True) if conference_id else None
    if meeting is None or not meeting.is_open or not session.account.can_see(meeting):
        raise errors.MeetingNotFound()
    if meeting.kind is not MeetingKind.CYCLE or meeting.series is None:
        raise errors.NotRecurring()
    return meeting


async def update_recurring_meeting(
    ctx: Context, session: Session, conference_id: str, spec: MeetingSpec, cycle: Cycle, time_zone_id: str
) -> tuple[Meeting, str]:
    """PUT .../cycleconferences: the whole series, before its first sub-meeting starts; the
    sub-meetings are planned anew (new cycleSubConfIDs)."""
    series = plan(ctx, spec, cycle, time_zone_id)
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _series_meeting(ctx, session, conference_id, tx)
        meeting.update_series(spec, series, ctx.clock.now(), session.account.id)
        await pending.save(tx, meeting)
        names = await tx.account_names([meeting.owner_id])
    await pending.publish(ctx.bus)
    return meeting, names.get(meeting.owner_id, "")


async def cancel_recurring_meeting(
    ctx: Context, session: Session, conference_id: str, *, end_running: bool
) -> None:
    """DELETE .../cycleconferences: every sub-meeting not run yet; `type=1` ends a running one."""
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _series_meeting(ctx, session, conference_id, tx)
        now = ctx.clock.now()
        if meeting.state is MeetingState.RUNNING and end_running:
            await tx.leave_all(conference_id, meeting.conf_uuid, now)
        meeting.cancel_series(now, session.account.id, end_running=end_running)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)


async def update_recurring_sub_meeting(
    ctx: Context,
    session: Session,
    conference_id: str,
    sub_id: str,
    *,
    spec: MeetingSpec,
    details: dict[str, object],
) -> None:
    """PUT .../conferences/cyclesubconf: one sub-meeting, before it starts."""
    if spec.start is None:
        raise errors.InvalidParameter("startTime is required.")
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _series_meeting(ctx, session, conference_id, tx)
        meeting.update_sub(
            sub_id,
            start=spec.start,
            length=spec.length,
            media_types=spec.media_types,
            details=details,
            now=ctx.clock.now(),
            actor=session.account.id,
        )
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)


async def cancel_recurring_sub_meeting(
    ctx: Context, session: Session, conference_id: str, sub_ids: list[str], *, end_running: bool
) -> None:
    """DELETE .../conferences/cyclesubconf: the sub-meetings listed; `type=1` ends a running one."""
    if not sub_ids:
        raise errors.SubMeetingIdsEmpty()
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _series_meeting(ctx, session, conference_id, tx)
        now = ctx.clock.now()
        running = meeting.conf_uuid if meeting.state is MeetingState.RUNNING else ""
        meeting.cancel_subs(sub_ids, now, session.account.id, end_running=end_running)
        if running and (meeting.conf_uuid != running or meeting.state is not MeetingState.RUNNING):
            await tx.leave_all(conference_id, running, now)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
