"""MMC management routes: /v1/mmc/management/conferences[...] (reference §4)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from overtime.api import query, render, wire
from overtime.api.http import caller, client_ip, context, ok
from overtime.api.query import parse_query
from overtime.domain import errors
from overtime.domain.clock import from_ms
from overtime.domain.meeting import validate_spec
from overtime.services import meetings, series
from overtime.services.auth import Session


def _conference_id(request: Request) -> str:
    return parse_query(request, query.Conference).conferenceID


async def create_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), wire.ScheduleConf)
    spec = wire.meeting_spec(body, ctx.clock.now())
    if body.cycleParams is not None:  # a recurring meeting: the series (BEHAVIOUR §9)
        cycle, zone = wire.cycle(body)
        meeting, owner = await series.create_recurring_meeting(ctx, session, spec, cycle, zone)
    else:
        meeting, owner = await meetings.create_meeting(ctx, session, spec)
    return ok([render.conference_info(meeting, owner_name=owner, caller=session.account)])


# -- recurring meetings (reference control §8) ----------------------------------------------------


async def create_recurring_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), wire.ScheduleConf)
    spec = wire.meeting_spec(body, ctx.clock.now())
    cycle, zone = wire.cycle(body)
    meeting, owner = await series.create_recurring_meeting(ctx, session, spec, cycle, zone)
    return ok([render.conference_info(meeting, owner_name=owner, caller=session.account)])


async def update_recurring_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), wire.ScheduleConf)
    spec = wire.meeting_spec(body, ctx.clock.now())
    cycle, zone = wire.cycle(body)
    meeting, owner = await series.update_recurring_meeting(
        ctx, session, _conference_id(request), spec, cycle, zone
    )
    return ok([render.conference_info(meeting, owner_name=owner, caller=session.account)])


async def cancel_recurring_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.Cancel)
    await series.cancel_recurring_meeting(ctx, session, q.conferenceID, end_running=q.type == 1)
    return ok()


async def update_recurring_sub_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), wire.CycleSubConf)
    if not body.cycleSubConfID:
        raise errors.InvalidParameter("cycleSubConfID is required.")
    spec = validate_spec(
        subject=None,
        media_types=body.mediaTypes,
        length=body.length,
        start=wire.parse_time(body.startTime),
        guest_password=None,
        prolong_step=None,
        allow_guest_start=None,
        now=ctx.clock.now(),
    )
    await series.update_recurring_sub_meeting(
        ctx, session, _conference_id(request), body.cycleSubConfID, spec=spec, details=wire.sub_details(body)
    )
    return ok()


async def cancel_recurring_sub_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.Cancel)
    raw = await request.body()
    body = wire.decode(raw, wire.CancelSubConfs) if raw.strip() else wire.CancelSubConfs()
    await series.cancel_recurring_sub_meeting(
        ctx, session, q.conferenceID, list(body.cycleSubConfIDs or []), end_running=q.type == 1
    )
    return ok()


async def update_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), wire.ScheduleConf)
    spec = wire.meeting_spec(body, ctx.clock.now())
    if body.cycleParams is not None:  # a recurring meeting: the series (BEHAVIOUR §9)
        cycle, zone = wire.cycle(body)
        meeting, owner = await series.update_recurring_meeting(
            ctx, session, _conference_id(request), spec, cycle, zone
        )
        return ok([render.conference_info(meeting, owner_name=owner, caller=session.account)])
    meeting, owner = await meetings.update_meeting(ctx, session, _conference_id(request), spec)
    return ok([render.conference_info(meeting, owner_name=owner, caller=session.account)])


async def cancel_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.Cancel)
    await meetings.cancel_meeting(ctx, session, q.conferenceID, end_running=q.type == 1)
    return ok()


async def _detail(request: Request, *, online: bool) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.ConferencePage)
    offset, limit = q.page
    meeting, owner = await meetings.meeting_detail(ctx, session, q.conferenceID, online=online)
    return ok(
        {
            "conferenceData": render.conference_info(
                meeting, owner_name=owner, caller=session.account, with_role=True
            ),
            "data": render.participants_page(meeting, offset, limit),
        }
    )


async def show_meeting_detail(request: Request) -> Response:
    return await _detail(request, online=False)


async def show_online_meeting_detail(request: Request) -> Response:
    return await _detail(request, online=True)


async def _search(request: Request, *, online: bool) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.Search)
    page = await meetings.search_meetings(
        ctx,
        session,
        offset=q.offset,
        limit=q.limit,
        query_all=q.queryAll,
        search_key=q.searchKey,
        online=online,
        descending=q.sortType == "DSC_StartTIME",
    )
    return _page(page, session, online=online)


def _page(page: meetings.Page, session: Session, *, online: bool = False) -> Response:
    return ok(
        {
            "offset": page.offset,
            "limit": page.limit,
            "count": page.count,
            "data": [
                render.conference_info(
                    m,
                    owner_name=page.owner_names.get(m.owner_id, ""),
                    caller=session.account,
                    online_amount=page.present.get(m.conference_id, 0) if online else None,
                )
                for m in page.meetings
            ],
        }
    )


async def search_meetings(request: Request) -> Response:
    return await _search(request, online=False)


async def search_online_meetings(request: Request) -> Response:
    return await _search(request, online=True)


async def search_his_meetings(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.History)
    if q.startDate is None or q.endDate is None:
        missing = "startDate" if q.startDate is None else "endDate"
        raise errors.InvalidParameter(f"{missing} (epoch milliseconds) is required.")
    page = await meetings.search_history(
        ctx,
        session,
        offset=q.offset,
        limit=q.limit,
        query_all=q.queryAll,
        search_key=q.searchKey,
        ran_from=from_ms(q.startDate),
        ran_to=from_ms(q.endDate),
        descending=q.sortType.startswith("DSC"),
    )
    return _page(page, session)


async def show_his_meeting_detail(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.HistoryRun)
    offset, limit = q.page
    meeting, owner = await meetings.history_detail(ctx, session, q.confUUID)
    info = render.conference_info(meeting, owner_name=owner, caller=session.account, with_role=True)
    info.pop("conferenceState", None)
    return ok({"conferenceData": info, "data": render.participants_page(meeting, offset, limit)})


async def search_ctl_records_of_his_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    q = parse_query(request, query.HistoryRun)
    offset, limit = q.page
    meeting, count, entries = await meetings.control_records(
        ctx, session, q.confUUID, offset=offset, limit=limit
    )
    records = [render.control_record(meeting.conference_id, entry) for entry in entries]
    return ok({"offset": offset, "limit": limit, "count": count, "data": records})


async def start_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await caller(request)
    body = wire.decode(await request.body(), wire.StartBody)
    await meetings.start_meeting(ctx, session, body.conferenceID, body.password, client_ip(request))
    return ok({"uuid": "", "regionIP": request.url.hostname or ""})
