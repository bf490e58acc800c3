"""The host console at /console (docs/howto/console.md): its page, its static files and its JSON
endpoints under /console/api/. Not part of Huawei's API: mounted beside the operations table,
not in it, so it is in neither the OpenAPI document nor compat.md.

The session is an access token in a `__Host-` cookie (HttpOnly, Secure, SameSite=Strict); every
request that changes something also carries the session's CSRF token in `X-CSRF-Token` (an HMAC
keyed by the access token, compared in constant time) and, when the browser sends one, an
`Origin` naming this server. Errors use the API's own envelope and codes."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from overtime.api import websocket, wire
from overtime.api.bounds import Medium, Secret
from overtime.api.errors import JSON, WireError
from overtime.api.http import client_ip, context
from overtime.domain import errors
from overtime.domain.clock import OffsetClock, to_ms
from overtime.domain.meeting import MAX_MANUAL_EXTENSION, MAX_PROLONG_STEP, Meeting, MeetingState
from overtime.domain.tokens import IssuedAccessToken
from overtime.scheduler.deadlines import Scheduler
from overtime.services import console
from overtime.services.auth import Session
from overtime.storage.sql import LedgerEntry

COOKIE = "__Host-overtime-console"
CSRF_HEADER = "x-csrf-token"
STATIC = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
NOT_SIGNED_IN = "Not signed in."
MAX_ADVANCE_MINUTES = 7 * 24 * 60


class SignInBody(msgspec.Struct):
    account: Medium
    password: Secret


class ExtendBody(msgspec.Struct):
    minutes: Annotated[int, msgspec.Meta(ge=1, le=MAX_MANUAL_EXTENSION)]


class AutoBody(msgspec.Struct):
    step: Annotated[int, msgspec.Meta(ge=0, le=MAX_PROLONG_STEP)]


class JoinBody(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=96)]


class AdvanceBody(msgspec.Struct):
    minutes: Annotated[int, msgspec.Meta(ge=0, le=MAX_ADVANCE_MINUTES)]


def _asset(name: str) -> bytes:
    return (resources.files("overtime") / "console" / name).read_bytes()


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        msgspec.json.encode(body),
        status_code=status,
        media_type=JSON,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _forbidden(message: str) -> WireError:
    return WireError(403, "MMC.111070002", message)


def _same_origin(request: Request) -> None:
    """A state change must come from this server's own page: no cross-site fetch metadata, an
    Origin (when sent) equal to ours, and a JSON body type (a form cannot send one)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise _forbidden("Cross-site requests are refused.")
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise _forbidden("Cross-origin requests are refused.")
    if request.method != "DELETE" and not request.headers.get("content-type", "").startswith(
        "application/json"
    ):
        raise WireError(415, "MMC.111070001", "The body must be application/json.")


def _set_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, path="/", secure=True, httponly=True, samesite="strict")


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")


class _Caller:
    """The signed-in account of a console request, and the token that says so."""

    def __init__(self, request: Request, session: Session, token: str, *, change: bool) -> None:
        self.request = request
        self.session = session
        self.token = token
        self.change = change
        self.rotated: IssuedAccessToken | None = None

    async def rotate(self) -> None:
        """A change restarts the idle clock: a token older than `console.ROTATE_AFTER` is
        replaced. Only once the change has succeeded: a refused one leaves the token as it was
        (the new one would never reach the browser)."""
        if self.change and self.rotated is None:
            self.rotated = await console.touch(
                context(self.request), self.session, self.token, client_ip(self.request)
            )
            self.change = False

    async def respond(self, body: Any) -> Response:
        await self.rotate()
        headers = {}
        if self.rotated is not None:
            headers["X-CSRF-Token"] = console.csrf_token(self.rotated.token)
        response = _json(body, headers=headers)
        if self.rotated is not None:
            _set_cookie(response, self.rotated.token)
        return response


async def _caller(request: Request, *, change: bool) -> _Caller:
    """The session; for a change (`change`), also the origin and CSRF checks (and the idle clock
    restarted by `respond`)."""
    if change:
        _same_origin(request)
    token = request.cookies.get(COOKIE)
    if not token:
        raise errors.AccessTokenInvalid(NOT_SIGNED_IN)
    session = await console.resume(context(request), token)
    if change and not console.csrf_valid(token, request.headers.get(CSRF_HEADER)):
        raise _forbidden("The CSRF token is missing or wrong; reload the console.")
    return _Caller(request, session, token, change=change)


def _ms(at: Any) -> int | None:
    return None if at is None else to_ms(at)


_STATES = {
    MeetingState.SCHEDULED: "scheduled",
    MeetingState.RUNNING: "running",
    MeetingState.ENDED: "ended",
}


def _summary(m: Meeting, names: dict[str, str]) -> dict[str, Any]:
    return {
        "conferenceID": m.conference_id,
        "subject": m.subject,
        "state": _STATES.get(m.state, "gone"),
        "startTime": to_ms(m.start_time),
        "endTime": to_ms(m.end_time),
        "autoStep": m.prolong_step,
        "owner": names.get(m.owner_id, ""),
    }


def _actor(actor: str, names: dict[str, str]) -> str:
    if actor == "system":
        return "Overtime (automatic)"
    if actor == "chair":
        return "Chair (API)"
    if actor.startswith("participant:"):
        return "Participant"
    return names.get(actor, actor)


def _entry(e: LedgerEntry, names: dict[str, str]) -> dict[str, Any]:
    return {
        "at": to_ms(e.event.at),
        "kind": e.event.kind.value,
        "who": _actor(e.event.actor, names),
        "oldEnd": _ms(e.event.old_end),
        "newEnd": _ms(e.event.new_end),
        "detail": e.event.detail,
    }


def _now(request: Request) -> int:
    return to_ms(context(request).clock.now())


def _sandbox(request: Request) -> bool:
    return isinstance(context(request).clock, OffsetClock)


# -- the page ---------------------------------------------------------------------------------


async def page(_request: Request) -> Response:
    return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        return _json({"error_code": "MMC.111070001", "error_msg": "Not found."}, 404)
    return Response(
        _asset(name), media_type=STATIC[name], headers={"Cache-Control": "no-cache", **_PAGE_HEADERS}
    )


# -- the session --------------------------------------------------------------------------------


def _session_body(session: Session, token: str, request: Request) -> dict[str, Any]:
    account = session.account
    return {
        "account": account.account,
        "name": account.name,
        "admin": account.is_admin,
        "csrf": console.csrf_token(token),
        "sandbox": _sandbox(request),
        "idleMinutes": console.IDLE_LIMIT.seconds // 60,
        "now": _now(request),
    }


async def show_session(request: Request) -> Response:
    caller = await _caller(request, change=False)
    return await caller.respond(_session_body(caller.session, caller.token, request))


async def sign_in(request: Request) -> Response:
    _same_origin(request)
    body = wire.decode(await request.body(), SignInBody, family="USG")
    ctx = context(request)
    issued = await console.sign_in(ctx, body.account, body.password, client_ip(request))
    session = await console.resume(ctx, issued.token)
    response = _json(_session_body(session, issued.token, request))
    _set_cookie(response, issued.token)
    return response


async def touch(request: Request) -> Response:
    caller = await _caller(request, change=True)
    await caller.rotate()
    return await caller.respond(_session_body(caller.session, (caller.rotated or caller).token, request))


async def sign_out(request: Request) -> Response:
    caller = await _caller(request, change=True)
    await console.sign_out(context(request), (caller.rotated or caller).token)
    response = _json({})
    _clear_cookie(response)
    return response


# -- meetings -----------------------------------------------------------------------------------


async def list_meetings(request: Request) -> Response:
    caller = await _caller(request, change=False)
    found = await console.overview(context(request), caller.session)
    running = [m for m in found.open if m.state is MeetingState.RUNNING]
    scheduled = [m for m in found.open if m.state is MeetingState.SCHEDULED]
    names = found.owner_names
    return await caller.respond(
        {
            "now": _now(request),
            "running": [_summary(m, names) for m in running],
            "scheduled": [_summary(m, names) for m in scheduled],
            "ended": [_summary(m, names) for m in found.ended],
        }
    )


def _path_id(request: Request, name: str) -> str:
    value: str = request.path_params[name]
    if len(value) > 64:
        raise WireError(400, "MMC.111071061", f"Parameter validation failed: {name} is too long.")
    return value


def _conference_id(request: Request) -> str:
    return _path_id(request, "conference_id")


async def _view(request: Request, caller: _Caller, conference_id: str) -> Response:
    view = await console.meeting_view(context(request), caller.session, conference_id)
    body = _summary(view.meeting, view.names)
    body.update(
        now=_now(request),
        participants=[
            {"id": p.participant_id, "name": p.name, "joinedAt": to_ms(p.joined_at)} for p in view.present
        ],
        ledger=[_entry(e, view.names) for e in view.ledger],
    )
    return await caller.respond(body)


async def show_meeting(request: Request) -> Response:
    caller = await _caller(request, change=False)
    return await _view(request, caller, _conference_id(request))


async def extend(request: Request) -> Response:
    caller = await _caller(request, change=True)
    body = wire.decode(await request.body(), ExtendBody)
    conference_id = _conference_id(request)
    await console.extend(context(request), caller.session, conference_id, body.minutes)
    return await _view(request, caller, conference_id)


async def auto_extension(request: Request) -> Response:
    caller = await _caller(request, change=True)
    body = wire.decode(await request.body(), AutoBody)
    conference_id = _conference_id(request)
    await console.set_auto_extension(context(request), caller.session, conference_id, body.step)
    return await _view(request, caller, conference_id)


async def stop(request: Request) -> Response:
    caller = await _caller(request, change=True)
    conference_id = _conference_id(request)
    await console.stop(context(request), caller.session, conference_id)
    return await _view(request, caller, conference_id)


async def live(request: Request) -> Response:
    """What the page needs to subscribe to the meeting-control WebSocket (attendee role)."""
    caller = await _caller(request, change=True)
    conference_id = _conference_id(request)
    issued = await console.live(context(request), caller.session, conference_id, client_ip(request))
    base = request.base_url
    scheme = "wss" if base.scheme == "https" else "ws"
    return await caller.respond(
        {
            "wsURL": f"{scheme}://{base.netloc}{websocket.PATH}",
            "tmpToken": issued.ws_token,
            "confToken": issued.issued.token,
        }
    )


# -- the sandbox panel (--sandbox only) ---------------------------------------------------------


def _scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler = request.app.state.scheduler
    return scheduler


async def show_clock(request: Request) -> Response:
    caller = await _caller(request, change=False)
    return await caller.respond({"now": _now(request)})


async def advance_clock(request: Request) -> Response:
    caller = await _caller(request, change=True)
    body = wire.decode(await request.body(), AdvanceBody)
    now, caller.rotated = await console.advance_clock(
        context(request), _scheduler(request).lock, caller.session, body.minutes * 60, client_ip(request)
    )
    return await caller.respond({"now": to_ms(now)})


async def join(request: Request) -> Response:
    caller = await _caller(request, change=True)
    body = wire.decode(await request.body(), JoinBody)
    conference_id = _conference_id(request)
    await console.join(context(request), caller.session, conference_id, body.name)
    return await _view(request, caller, conference_id)


async def leave(request: Request) -> Response:
    caller = await _caller(request, change=True)
    conference_id = _conference_id(request)
    participant_id = _path_id(request, "participant_id")
    await console.leave(context(request), caller.session, conference_id, participant_id)
    return await _view(request, caller, conference_id)


def routes(*, sandbox: bool) -> list[BaseRoute]:
    api = "/console/api"
    meeting = api + "/meetings/{conference_id}"
    served: list[BaseRoute] = [
        Route("/console", page, methods=["GET"]),
        Route("/console/", page, methods=["GET"]),
        Route("/console/static/{name}", static, methods=["GET"]),
        Route(api + "/session", show_session, methods=["GET"]),
        Route(api + "/session", sign_in, methods=["POST"]),
        Route(api + "/session", sign_out, methods=["DELETE"]),
        Route(api + "/session/touch", touch, methods=["POST"]),
        Route(api + "/meetings", list_meetings, methods=["GET"]),
        Route(meeting, show_meeting, methods=["GET"]),
        Route(meeting + "/extend", extend, methods=["POST"]),
        Route(meeting + "/auto-extension", auto_extension, methods=["POST"]),
        Route(meeting + "/stop", stop, methods=["POST"]),
        Route(meeting + "/live", live, methods=["POST"]),
    ]
    if sandbox:
        served += [
            Route(api + "/sandbox/clock", show_clock, methods=["GET"]),
            Route(api + "/sandbox/advance", advance_clock, methods=["POST"]),
            Route(meeting + "/participants", join, methods=["POST"]),
            Route(meeting + "/participants/{participant_id}", leave, methods=["DELETE"]),
        ]
    return served
