"""MMC management: create, update, cancel, query and activate meetings (reference §4)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from overtime.domain import credentials, errors, paging
from overtime.domain.meeting import (
    Meeting,
    MeetingSpec,
    MeetingState,
)
from overtime.domain.series import Series
from overtime.services import guessing
from overtime.services.auth import Session
from overtime.services.context import Context, Pending
from overtime.storage.sql import LedgerEntry, MeetingQuery, StaleWrite, Tx

_ID_ATTEMPTS = 20


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int
    count: int
    meetings: list[Meeting]
    owner_names: dict[str, str]
    present: dict[str, int] = field(default_factory=dict)
    """How many are in each running meeting of the page (state 0)."""


def _new_conference_id() -> str:
    return str(100_000_000 + secrets.randbelow(900_000_000))


async def _visible(tx: Tx, session: Session, conference_id: str, *, for_update: bool = False) -> Meeting:
    meeting = await tx.meeting(conference_id, for_update=for_update) if conference_id else None
    if meeting is None or not meeting.is_open or not session.account.can_see(meeting):
        raise errors.MeetingNotFound()
    return meeting


async def create_meeting(
    ctx: Context, session: Session, spec: MeetingSpec, *, series: Series | None = None
) -> tuple[Meeting, str]:
    """Returns the meeting and its owner's display name; with `series`, a recurring meeting
    (`services/series.py`)."""
    account = session.account
    pending = Pending()
    for _ in range(_ID_ATTEMPTS):
        chair = credentials.random_digits(6)
        guest = credentials.random_digits(6)
        while guest == chair:
            guest = credentials.random_digits(6)
        meeting = (Meeting.create if series is None else partial(Meeting.create_series, series=series))(
            spec,
            conference_id=_new_conference_id(),
            owner_id=account.id,
            corp_id=account.corp_id,
            chair_password=chair,
            random_guest_password=guest,
            policy=ctx.policy,
            now=ctx.clock.now(),
        )
        try:
            async with ctx.store.write() as tx:
                if await tx.conference_id_taken(meeting.conference_id):
                    continue
                await pending.save(tx, meeting, new=True)
        except StaleWrite:
            continue
        await pending.publish(ctx.bus)
        return meeting, account.name
    raise errors.DomainError("Could not allocate a meeting ID.")


async def update_meeting(
    ctx: Context, session: Session, conference_id: str, spec: MeetingSpec
) -> tuple[Meeting, str]:
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _visible(tx, session, conference_id, for_update=True)
        if meeting.series is not None:  # a series is edited with its cycle (BEHAVIOUR §9)
            raise errors.CycleParamsMissing()
        meeting.update(spec, ctx.clock.now(), session.account.id)
        await pending.save(tx, meeting)
        names = await tx.account_names([meeting.owner_id])
    await pending.publish(ctx.bus)
    return meeting, names.get(meeting.owner_id, "")


async def cancel_meeting(ctx: Context, session: Session, conference_id: str, *, end_running: bool) -> None:
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _visible(tx, session, conference_id, for_update=True)
        now = ctx.clock.now()
        if meeting.state is MeetingState.RUNNING and end_running:
            await tx.leave_all(conference_id, meeting.conf_uuid, now)
        if meeting.series is not None:  # the whole series goes (BEHAVIOUR §9)
            meeting.cancel_series(now, session.account.id, end_running=end_running)
        else:
            meeting.cancel(now, session.account.id, end_running=end_running)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)


async def meeting_detail(
    ctx: Context, session: Session, conference_id: str, *, online: bool
) -> tuple[Meeting, str]:
    async with ctx.store.read() as tx:
        meeting = await _visible(tx, session, conference_id)
        if online and meeting.state is not MeetingState.RUNNING:
            raise errors.MeetingNotFound("The meeting is not in progress.")
        names = await tx.account_names([meeting.owner_id])
    return meeting, names.get(meeting.owner_id, "")


async def search_meetings(
    ctx: Context,
    session: Session,
    *,
    offset: int,
    limit: int,
    query_all: bool,
    search_key: str | None,
    online: bool,
    descending: bool = False,
) -> Page:
    states = [MeetingState.RUNNING] if online else [MeetingState.SCHEDULED, MeetingState.RUNNING]
    return await _page(
        ctx,
        session,
        states,
        offset=offset,
        limit=limit,
        query_all=query_all,
        search_key=search_key,
        descending=descending,
    )


async def _page(
    ctx: Context,
    session: Session,
    states: list[MeetingState],
    *,
    offset: int,
    limit: int,
    query_all: bool,
    search_key: str | None,
    descending: bool,
    ran_from: datetime | None = None,
    ran_to: datetime | None = None,
) -> Page:
    """One page of the meetings `session` may see: its own, or the corp's for an admin asking
    with queryAll."""
    account = session.account
    offset, limit = paging.clamp(offset, limit)
    query = MeetingQuery(
        states=states,
        corp_id=account.corp_id,
        owner_id=None if (account.is_admin and query_all) else account.id,
        search=search_key or None,
        offset=offset,
        limit=limit,
        descending=descending,
        ran_from=ran_from,
        ran_to=ran_to,
    )
    async with ctx.store.read() as tx:
        count, found = await tx.search_meetings(query)
        names = await tx.account_names([m.owner_id for m in found])
        running = [(m.conference_id, m.conf_uuid) for m in found if m.state is MeetingState.RUNNING]
        present = await tx.present_counts(running)
    return Page(offset, limit, count, found, names, present)


async def search_history(
    ctx: Context,
    session: Session,
    *,
    offset: int,
    limit: int,
    query_all: bool,
    search_key: str | None,
    ran_from: datetime,
    ran_to: datetime,
    descending: bool,
) -> Page:
    """Ended runs overlapping [ran_from, ran_to] (GET .../conferences/history)."""
    return await _page(
        ctx,
        session,
        [MeetingState.ENDED],
        offset=offset,
        limit=limit,
        query_all=query_all,
        search_key=search_key,
        descending=descending,
        ran_from=ran_from,
        ran_to=ran_to,
    )


async def history_detail(ctx: Context, session: Session, conf_uuid: str) -> tuple[Meeting, str]:
    """One ended run by its confUUID (GET .../conferences/history/confDetail)."""
    async with ctx.store.read() as tx:
        meeting = await tx.meeting_by_run(conf_uuid) if conf_uuid else None
        if meeting is None or meeting.state is not MeetingState.ENDED or not session.account.can_see(meeting):
            raise errors.MeetingNotFound()
        names = await tx.account_names([meeting.owner_id])
    return meeting, names.get(meeting.owner_id, "")


async def control_records(
    ctx: Context, session: Session, conf_uuid: str, *, offset: int, limit: int
) -> tuple[Meeting, int, list[LedgerEntry]]:
    """The control records of one ended run (GET .../history/confCtlRecord): its ledger."""
    meeting, _owner = await history_detail(ctx, session, conf_uuid)
    async with ctx.store.read() as tx:
        entries = [e for e in await tx.ledger(meeting.conference_id) if e.conf_uuid == conf_uuid]
    offset, limit = paging.clamp(offset, limit)
    return meeting, len(entries), entries[offset : offset + limit]


async def start_meeting(
    ctx: Context, session: Session, conference_id: str, password: str, client_ip: str
) -> Meeting:
    """POST /v1/mmc/management/conferences/start: the chair password (or the guest password
    when `allowGuestStartConf`) starts a scheduled meeting; a running one stays as it is."""
    now = ctx.clock.now()
    guard = guessing.conference(conference_id, client_ip, now)
    pending = Pending()
    async with ctx.store.write() as tx:
        await guard.check(tx)
        meeting = await tx.meeting(conference_id, for_update=True) if guard.plausible else None
        allowed = (
            meeting is not None
            and meeting.state is not MeetingState.CANCELLED
            and (
                credentials.same(password, meeting.chair_password)
                or (meeting.allow_guest_start and credentials.same(password, meeting.guest_password))
            )
        )
        failed = not allowed or meeting is None
        await guard.record(tx, ok=not failed)
        if not failed:
            assert meeting is not None
            if meeting.start(now, session.account.id):
                await pending.save(tx, meeting)
    if failed:
        raise errors.ConferenceAuthFailed()
    assert meeting is not None
    await pending.publish(ctx.bus)
    return meeting
