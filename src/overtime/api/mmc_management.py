"""MMC management routes: /v1/mmc/management/conferences[...] (reference §4)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from overtime.api import wire
from overtime.api.http import client_ip, context, ok, query_bool, query_int
from overtime.domain import errors
from overtime.domain.clock import from_ms
from overtime.services import auth, meetings
from overtime.services.auth import Session


async def _session(request: Request) -> Session:
    return await auth.authenticate(context(request), request.headers.get("x-access-token"))


def _conference_id(request: Request) -> str:
    return request.query_params.get("conferenceID", "")


async def create_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    spec = wire.meeting_spec(wire.decode(await request.body(), wire.ScheduleConf), ctx.clock.now())
    meeting, owner = await meetings.create_meeting(ctx, session, spec)
    return ok([wire.conference_info(meeting, owner_name=owner, caller=session.account)])


async def update_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    spec = wire.meeting_spec(wire.decode(await request.body(), wire.ScheduleConf), ctx.clock.now())
    meeting, owner = await meetings.update_meeting(ctx, session, _conference_id(request), spec)
    return ok([wire.conference_info(meeting, owner_name=owner, caller=session.account)])


async def cancel_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    end_running = query_int(request, "type", 0) == 1
    await meetings.cancel_meeting(ctx, session, _conference_id(request), end_running=end_running)
    return ok()


async def _detail(request: Request, *, online: bool) -> Response:
    ctx = context(request)
    session = await _session(request)
    offset = max(0, query_int(request, "offset", 0))
    limit = min(500, max(1, query_int(request, "limit", 20)))
    meeting, owner = await meetings.meeting_detail(ctx, session, _conference_id(request), online=online)
    return ok(
        {
            "conferenceData": wire.conference_info(
                meeting, owner_name=owner, caller=session.account, with_role=True
            ),
            "data": wire.participants_page(meeting, offset, limit),
        }
    )


async def meeting_detail(request: Request) -> Response:
    return await _detail(request, online=False)


async def online_meeting_detail(request: Request) -> Response:
    return await _detail(request, online=True)


async def _search(request: Request, *, online: bool) -> Response:
    ctx = context(request)
    session = await _session(request)
    page = await meetings.search_meetings(
        ctx,
        session,
        offset=query_int(request, "offset", 0),
        limit=query_int(request, "limit", 20),
        query_all=query_bool(request, "queryAll"),
        search_key=request.query_params.get("searchKey"),
        online=online,
        descending=request.query_params.get("sortType") == "DSC_StartTIME",
    )
    return _page(page, session, online=online)


def _page(page: meetings.Page, session: Session, *, online: bool = False) -> Response:
    return ok(
        {
            "offset": page.offset,
            "limit": page.limit,
            "count": page.count,
            "data": [
                wire.conference_info(
                    m,
                    owner_name=page.owner_names.get(m.owner_id, ""),
                    caller=session.account,
                    online_amount=0 if online else None,
                )
                for m in page.meetings
            ],
        }
    )


async def search_meetings(request: Request) -> Response:
    return await _search(request, online=False)


async def search_online_meetings(request: Request) -> Response:
    return await _search(request, online=True)


async def search_history(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    for name in ("startDate", "endDate"):
        if not request.query_params.get(name):
            raise errors.InvalidParameter(f"{name} (epoch milliseconds) is required.")
    sort = request.query_params.get("sortType", "")
    page = await meetings.search_history(
        ctx,
        session,
        offset=query_int(request, "offset", 0),
        limit=query_int(request, "limit", 20),
        query_all=query_bool(request, "queryAll"),
        search_key=request.query_params.get("searchKey"),
        ran_from=from_ms(query_int(request, "startDate", 0)),
        ran_to=from_ms(query_int(request, "endDate", 0)),
        descending=sort.startswith("DSC"),
    )
    return _page(page, session)


async def history_detail(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    offset = max(0, query_int(request, "offset", 0))
    limit = min(500, max(1, query_int(request, "limit", 20)))
    meeting, owner = await meetings.history_detail(ctx, session, request.query_params.get("confUUID", ""))
    info = wire.conference_info(meeting, owner_name=owner, caller=session.account, with_role=True)
    info.pop("conferenceState", None)
    info["isHasRecordFile"] = False
    return ok({"conferenceData": info, "data": wire.participants_page(meeting, offset, limit)})


async def control_records(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    offset, limit = query_int(request, "offset", 0), query_int(request, "limit", 20)
    conf_uuid = request.query_params.get("confUUID", "")
    meeting, count, entries = await meetings.control_records(
        ctx, session, conf_uuid, offset=offset, limit=limit
    )
    records = [wire.control_record(meeting.conference_id, entry) for entry in entries]
    return ok({"offset": max(0, offset), "limit": min(500, max(1, limit)), "count": count, "data": records})


async def start_meeting(request: Request) -> Response:
    ctx = context(request)
    session = await _session(request)
    body = wire.decode(await request.body(), wire.StartBody)
    await meetings.start_meeting(ctx, session, body.conferenceID, body.password, client_ip(request))
    return ok({"uuid": "", "regionIP": request.url.hostname or ""})


routes = [
    Route("/v1/mmc/management/conferences", create_meeting, methods=["POST"]),
    Route("/v1/mmc/management/conferences", update_meeting, methods=["PUT"]),
    Route("/v1/mmc/management/conferences", cancel_meeting, methods=["DELETE"]),
    Route("/v1/mmc/management/conferences", search_meetings, methods=["GET"]),
    Route("/v1/mmc/management/conferences/confDetail", meeting_detail, methods=["GET"]),
    Route("/v1/mmc/management/conferences/online", search_online_meetings, methods=["GET"]),
    Route("/v1/mmc/management/conferences/online/confDetail", online_meeting_detail, methods=["GET"]),
    Route("/v1/mmc/management/conferences/start", start_meeting, methods=["POST"]),
    Route("/v1/mmc/management/conferences/history", search_history, methods=["GET"]),
    Route("/v1/mmc/management/conferences/history/confDetail", history_detail, methods=["GET"]),
    Route("/v1/mmc/management/conferences/history/confCtlRecord", control_records, methods=["GET"]),
]
