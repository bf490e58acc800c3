"""The people of a running meeting (BEHAVIOUR §8): the host's operations on them, the sandbox's
sites arriving and going, and the queries on who is (and was) there.

Every operation is one transaction: authorize, load the `Room`, apply the domain rule, save the
changed sites, attendance sessions and the meeting (with its ledger entries), publish after
commit. A refused operation raises before anything is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from overtime.domain import errors
from overtime.domain.meeting import MeetingState
from overtime.domain.presence import Participant, SiteState
from overtime.domain.room import Room
from overtime.services.auth import Session
from overtime.services.context import Context, Pending
from overtime.services.control import authorize
from overtime.services.meetings import history_detail
from overtime.storage.rows import AttendanceRow
from overtime.storage.sql import Tx

T = TypeVar("T")

Also = Callable[[Tx, T], Awaitable[None]]
"""More work in a site operation's own transaction, after the rule applied (the Janus
integration records which Janus participant a site is); raising rolls the whole operation back."""


async def load(tx: Tx, conference_id: str) -> Room | None:
    """The meeting, locked for this transaction, with its present sites."""
    meeting = await tx.meeting(conference_id, for_update=True)
    if meeting is None:
        return None
    sites = await tx.present(conference_id, meeting.conf_uuid) if meeting.conf_uuid else []
    return Room(meeting, sites)


async def save(tx: Tx, room: Room, pending: Pending) -> None:
    room.settle()
    await tx.save_sites(room.changed.values())
    await tx.close_sessions(room.closed)
    await tx.open_sessions(room.meeting.conference_id, room.meeting.conf_uuid, room.opened)
    await pending.save(tx, room.meeting)


async def host_operation(
    ctx: Context, conference_id: str, header: str | None, apply: Callable[[Room, datetime], T]
) -> T:
    """One of the host's operations (role 1 control token of the running run)."""
    pending = Pending()
    async with ctx.store.write() as tx:
        auth = await authorize(ctx, tx, conference_id, header, chair_only=True)
        sites = await tx.present(conference_id, auth.meeting.conf_uuid)
        room = Room(auth.meeting, sites)
        result = apply(room, ctx.clock.now())
        await save(tx, room, pending)
    await pending.publish(ctx.bus)
    return result


async def site_operation(
    ctx: Context,
    conference_id: str,
    apply: Callable[[Room, datetime], T],
    *,
    open_only: bool = True,
    also: Also[T] | None = None,
) -> T:
    """A site acting by itself (the sandbox, a Janus participant): joining, leaving, answering."""
    pending = Pending()
    async with ctx.store.write() as tx:
        room = await load(tx, conference_id)
        if room is None or (open_only and not room.meeting.is_open):
            raise errors.MeetingNotFound()
        result = apply(room, ctx.clock.now())
        await save(tx, room, pending)
        if also is not None:
            await also(tx, result)
    await pending.publish(ctx.bus)
    return result


# -- the sandbox's sites (BEHAVIOUR §6, §8) ----------------------------------------------------------


async def join(
    ctx: Context,
    conference_id: str,
    name: str,
    role: int = 0,
    *,
    number: str = "",
    video: int = 0,
    password: str | None = None,
    also: Also[Participant] | None = None,
) -> Participant:
    """A site joins; the first one starts a scheduled meeting."""
    if role not in (0, 1):
        raise errors.InvalidParameter("role must be 0 or 1.")
    if video not in (0, 1):
        raise errors.InvalidParameter("video must be 0 or 1.")
    return await site_operation(
        ctx,
        conference_id,
        lambda room, now: room.join(
            name, now, phone=number, video=bool(video), as_host=role == 1, password=password
        ),
        also=also,
    )


async def leave(
    ctx: Context, conference_id: str, participant_id: str, *, also: Also[None] | None = None
) -> None:
    def apply(room: Room, now: datetime) -> None:
        if room.meeting.state is not MeetingState.RUNNING:
            raise errors.ParticipantNotFound()
        try:
            room.leave(participant_id, now)
        except errors.SiteNotFound:
            raise errors.ParticipantNotFound() from None

    await site_operation(ctx, conference_id, apply, also=also)


async def answer(ctx: Context, conference_id: str, participant_id: str) -> Participant:
    def apply(room: Room, now: datetime) -> Participant:
        if room.meeting.state is not MeetingState.RUNNING:
            raise errors.ParticipantNotFound()
        try:
            return room.answer(participant_id, now)
        except errors.SiteNotFound:
            raise errors.ParticipantNotFound("No call to this participant is ringing.") from None

    return await site_operation(ctx, conference_id, apply)


async def decline(ctx: Context, conference_id: str, participant_id: str) -> None:
    def apply(room: Room, now: datetime) -> None:
        if room.meeting.state is not MeetingState.RUNNING:
            raise errors.ParticipantNotFound()
        try:
            room.decline(participant_id, now)
        except errors.SiteNotFound:
            raise errors.ParticipantNotFound("No call to this participant is ringing.") from None

    await site_operation(ctx, conference_id, apply)


# -- queries (access token) ----------------------------------------------------------------------


async def online_attendees(ctx: Context, session: Session, conference_id: str) -> list[Participant]:
    """`list_online_conf_attendee`: the sites in a running meeting the caller owns (an
    enterprise admin: of the enterprise)."""
    async with ctx.store.read() as tx:
        meeting = await tx.meeting(conference_id) if conference_id else None
        if meeting is None or not meeting.is_open or not session.account.can_see(meeting):
            raise errors.MeetingNotFound()
        if meeting.state is not MeetingState.RUNNING:
            return []
        sites = await tx.present(conference_id, meeting.conf_uuid)
    return [p for p in sites if p.state is SiteState.IN_MEETING]


async def attendance(
    ctx: Context, session: Session, conf_uuid: str, search: str | None
) -> list[AttendanceRow]:
    """`search_attendance_records_of_his_meeting`: one row per session of an ended run."""
    await history_detail(ctx, session, conf_uuid)  # an ended run the caller may see
    async with ctx.store.read() as tx:
        return await tx.attendance(conf_uuid, search)


async def number_in_conf(ctx: Context, session: Session, number: str) -> str | None:
    """`check_call_number_in_conf`: the running meeting of the caller's enterprise that
    `number` is in, if any."""
    if not number:
        raise errors.InvalidParameter("call_number is required.")
    async with ctx.store.read() as tx:
        return await tx.number_in_conf(session.account.corp_id, number)
