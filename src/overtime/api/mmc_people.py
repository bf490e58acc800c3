"""In-meeting control routes: the people of a running meeting (BEHAVIOUR §8, reference §6-§7),
and the access-token queries on who is and was there (reference §8.7-§8.9). Each handler is named
after the official SDK's method."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from overtime.api import people_wire as pw
from overtime.api import query, render
from overtime.api.http import caller, context, ok
from overtime.api.query import parse_query
from overtime.domain import errors
from overtime.domain.room import Room
from overtime.domain.room_state import Invitee
from overtime.services import people

AUTH_HEADER = "x-conference-authorization"


async def _host(request: Request, apply: Callable[[Room, datetime], object]) -> Response:
    conference_id = parse_query(request, query.Conference).conferenceID
    await people.host_operation(context(request), conference_id, request.headers.get(AUTH_HEADER), apply)
    return ok()


def _pid(request: Request) -> str:
    return parse_query(request, pw.Site).participantID


async def invite_participant(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.InviteBody)
    if not body.attendees:
        raise errors.InvalidParameter("attendees must name at least one invitee.")
    specs = [
        Invitee(
            name=a.name or "",
            phone=a.phone or "",
            user_uuid=a.userUUID or "",
            account_id=a.accountId or "",
            type=a.type or "normal",
            role=0 if a.role is None else a.role,
        )
        for a in body.attendees
    ]
    return await _host(request, lambda room, now: room.invite(specs, now))


async def hang_up(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.HangUpBody)
    if not body.bulkHangUpParticipants:
        raise errors.InvalidParameter("bulkHangUpParticipants must name at least one participant.")
    pids = body.bulkHangUpParticipants
    return await _host(request, lambda room, now: room.hang_up(pids, now))


async def delete_attendees(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.DeleteAttendeesBody)
    if not body.bulkDelAttendInfo:
        raise errors.InvalidParameter("bulkDelAttendInfo must name at least one attendee.")
    items = [(i.number or "", i.participantID or "") for i in body.bulkDelAttendInfo]
    return await _host(request, lambda room, now: room.delete_attendees(items, now))


async def rename_participant(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.RenameBody)
    if body.number is None:
        raise errors.InvalidParameter("number is required.")
    if body.newName is None:
        raise errors.SiteNameEmpty()
    pid, number, name = body.participantID or "", body.number, body.newName
    return await _host(request, lambda room, now: room.rename(pid, number, name, now))


async def set_role(request: Request) -> Response:
    pid = _pid(request)
    body = pw.decode_required(await request.body(), pw.SetRoleBody)
    apply_chair = pw.switch(body.applyChair, "applyChair")
    password = body.chairmanPwd or ""
    return await _host(request, lambda room, now: room.set_role(pid, apply_chair, password, now))


async def set_cohost(request: Request) -> Response:
    pid = _pid(request)
    body = pw.decode_required(await request.body(), pw.CohostBody)
    value = pw.switch(body.isCohost, "isCohost")
    return await _host(request, lambda room, now: room.set_cohost(pid, value, now))


async def mute_participant(request: Request) -> Response:
    pid = _pid(request)
    body = pw.decode_required(await request.body(), pw.MuteBody)
    value = pw.switch(body.isMute, "isMute")
    return await _host(request, lambda room, now: room.mute(pid, value, now))


async def mute_meeting(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.MuteMeetingBody)
    value = pw.switch(body.isMute, "isMute")
    allow = (
        1
        if body.allowUnmuteByOneself is pw.UNSET
        else pw.switch(body.allowUnmuteByOneself, "allowUnmuteByOneself")
    )
    return await _host(request, lambda room, now: room.mute_meeting(value, allow, now))


async def allow_guest_unmute(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.GuestUnmuteBody)
    value = pw.switch(body.allowUnmuteByOneself, "allowUnmuteByOneself")
    return await _host(request, lambda room, now: room.allow_guest_unmute(value, now))


async def hand(request: Request) -> Response:
    pid = _pid(request)
    body = pw.decode_required(await request.body(), pw.HandBody)
    value = pw.switch(body.handsState, "handsState")
    return await _host(request, lambda room, now: room.hand(pid, value, now))


async def batch_hand(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.BatchHandBody)
    value = pw.switch(body.handsState, "handsState")
    if body.pids is None:
        raise errors.InvalidParameter("pids is required.")
    pids = body.pids
    return await _host(request, lambda room, now: room.batch_hand(pids, value, now))


async def lock_meeting(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.LockBody)
    value = pw.switch(body.isLock, "isLock")
    return await _host(request, lambda room, now: room.lock(value, now))


async def update_started_conf_config(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.StartedConfigBody)
    changes: dict[str, int] = {}
    for wire_name, (attribute, allowed, is_switch) in pw.STARTED_CONFIG.items():
        value = getattr(body, wire_name)
        if value is pw.UNSET:
            continue
        check = pw.switch if is_switch else pw.choice
        changes[attribute] = check(value, wire_name, allowed)
    return await _host(request, lambda room, now: room.update_config(changes, now))


async def pause_conference(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.PauseBody)
    value = pw.switch(body.pause, "pause")
    return await _host(request, lambda room, now: room.pause(value, now))


async def invite_operate_video(request: Request) -> Response:
    pid = _pid(request)
    body = pw.decode_required(await request.body(), pw.VideoBody)
    value = pw.switch(body.status, "status")
    return await _host(request, lambda room, now: room.invite_video(pid, value, now))


async def broadcast_participant(request: Request) -> Response:
    pid = _pid(request)  # no body (the SDK sends none)
    return await _host(request, lambda room, now: room.broadcast(pid, now))


async def cancel_broadcast(request: Request) -> Response:
    return await _host(request, lambda room, now: room.cancel_broadcast(now))


async def rollcall_participant(request: Request) -> Response:
    pid = _pid(request)
    return await _host(request, lambda room, now: room.rollcall(pid, now))


async def move_to_waiting_room(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.MoveToWaitingRoomBody)
    pid = body.participantID or ""
    return await _host(request, lambda room, now: room.move_to_waiting_room([pid], now, batch=False))


async def batch_move_to_waiting_room(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.BatchMoveToWaitingRoomBody)
    pids = body.batchParticipants or []
    return await _host(request, lambda room, now: room.move_to_waiting_room(pids, now, batch=True))


async def allow_waiting_participant(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.AllowWaitingBody)
    pid, allow_all = body.participantID or "", bool(body.allowAll)
    return await _host(request, lambda room, now: room.admit(pid, allow_all, now))


# -- queries (access token) ----------------------------------------------------------------------


async def list_online_conf_attendee(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, pw.OnlineAttendees)
    sites = await people.online_attendees(context(request), session, q.conf_id)
    if q.search_key:
        key = q.search_key.lower()
        sites = [p for p in sites if key in p.name.lower() or key in p.phone.lower()]
    offset, limit = q.page
    return ok(
        {
            "data": [render.online_attendee(p) for p in sites[offset : offset + limit]],
            "offset": offset,
            "limit": limit,
            "count": len(sites),
        }
    )


async def search_attendance_records_of_his_meeting(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, pw.AttendanceQuery)
    rows = await people.attendance(context(request), session, q.confUUID, q.searchKey)
    offset, limit = q.page
    return ok(
        {
            "offset": offset,
            "limit": limit,
            "count": len(rows),
            "data": [render.attendance_record(r) for r in rows[offset : offset + limit]],
        }
    )


async def check_call_number_in_conf(request: Request) -> Response:
    session = await caller(request)
    q = parse_query(request, pw.CallNumber)
    conference_id = await people.number_in_conf(context(request), session, q.call_number)
    return ok({"in_conf": conference_id is not None, "conf_id": conference_id or ""})


# -- recording and live (BEHAVIOUR §10) ------------------------------------------------------------


async def record(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.RecordBody)
    value = pw.switch(body.isRecord, "isRecord")
    return await _host(request, lambda room, now: room.record(value, now))


async def live(request: Request) -> Response:
    body = pw.decode_required(await request.body(), pw.LiveBody)
    value = pw.switch(body.isLive, "isLive")
    return await _host(request, lambda room, now: room.live(value, now))
