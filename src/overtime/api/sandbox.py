"""Sandbox routes (BEHAVIOUR §6), mounted only with `overtime serve --sandbox`."""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import render, wire
from overtime.api.bounds import Int32, Name, Secret, Short
from overtime.api.http import context, ok
from overtime.domain.clock import OffsetClock, to_ms
from overtime.scheduler.deadlines import Scheduler
from overtime.services import people, sandbox


class AdvanceBody(msgspec.Struct):
    seconds: Annotated[float, msgspec.Meta(ge=0, le=sandbox.MAX_ADVANCE_SECONDS)]


class JoinBody(msgspec.Struct):
    name: Name
    role: Int32 = 0
    number: Short = ""
    video: Int32 = 0
    password: Secret | None = None


def _scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler = request.app.state.scheduler
    return scheduler


async def show_clock(request: Request) -> Response:
    clock = context(request).clock
    assert isinstance(clock, OffsetClock)
    return ok({"now": to_ms(clock.now()), "offsetMs": clock.offset_ms})


async def advance_clock(request: Request) -> Response:
    body = wire.decode(await request.body(), AdvanceBody)
    now = await sandbox.advance(context(request), _scheduler(request).lock, float(body.seconds))
    return ok({"now": to_ms(now)})


async def join(request: Request) -> Response:
    body = wire.decode(await request.body(), JoinBody)
    participant = await people.join(
        context(request),
        request.path_params["conference_id"],
        body.name,
        body.role,
        number=body.number,
        video=body.video,
        password=body.password,
    )
    return ok({"participantID": participant.participant_id, "state": int(participant.state)})


async def leave(request: Request) -> Response:
    await people.leave(
        context(request), request.path_params["conference_id"], request.path_params["participant_id"]
    )
    return ok()


async def answer(request: Request) -> Response:
    await people.answer(
        context(request), request.path_params["conference_id"], request.path_params["participant_id"]
    )
    return ok()


async def decline(request: Request) -> Response:
    await people.decline(
        context(request), request.path_params["conference_id"], request.path_params["participant_id"]
    )
    return ok()


async def events(request: Request) -> Response:
    conference_id = request.path_params["conference_id"]
    entries = await sandbox.ledger(context(request), conference_id)
    return ok([render.ledger_entry(conference_id, e) for e in entries])


async def reset(request: Request) -> Response:
    await sandbox.reset(context(request), _scheduler(request).lock)
    return ok()
