"""The host console's use cases (docs/howto/console.md): its sessions, the meetings it shows and
the changes it makes, under the API's own rule of who may see what (`Account.can_see`: a member
their own meetings, an enterprise admin the enterprise's).

A console session is an ordinary access token (client type 72, so it never evicts the account's
other sessions), carried in a cookie. Idle expiry: a token is accepted by the console only while
it is younger than IDLE_LIMIT; what the user does (a change, or the page reporting activity)
replaces a token older than ROTATE_AFTER by a new one, so a session lives IDLE_LIMIT minus at
most ROTATE_AFTER after the user's last action, and never longer than the token's own 24 hours
without one."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from overtime.domain import errors
from overtime.domain.accounts import Account
from overtime.domain.meeting import EndReason, Meeting, MeetingState
from overtime.domain.presence import Participant
from overtime.domain.tokens import API_CLIENT_TYPE, IssuedAccessToken
from overtime.services import auth, control, meetings, people, sandbox
from overtime.services.auth import Session
from overtime.services.context import Context, Pending
from overtime.storage.sql import LedgerEntry, Tx

IDLE_LIMIT = timedelta(minutes=30)
ROTATE_AFTER = timedelta(minutes=5)
CLIENT_TYPE = API_CLIENT_TYPE
RECENT = timedelta(hours=24)
"""Ended meetings are listed for this long after their end."""
LIST_LIMIT = 100
LEDGER_LIMIT = 200
_CSRF_CONTEXT = b"overtime console csrf v1"


class SessionExpired(errors.AccessTokenInvalid):
    """The console session expired: sign in again."""


def csrf_token(token: str) -> str:
    """The session's CSRF token: an HMAC of a fixed label keyed by the (secret, HttpOnly) access
    token, so it needs no storage and changes with every new token."""
    mac = hmac.new(token.encode(), _CSRF_CONTEXT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_valid(token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(token).encode(), presented.encode())


async def sign_in(ctx: Context, account: str, password: str, client_ip: str) -> IssuedAccessToken:
    """The login operation's own path (throttles and lockout included)."""
    basic = base64.b64encode(f"{account}:{password}".encode()).decode()
    issued, _account = await auth.create_token_by_account(ctx, f"Basic {basic}", CLIENT_TYPE, client_ip)
    return issued


async def resume(ctx: Context, token: str | None) -> Session:
    """The session behind a console cookie; an idle one is deleted and refused."""
    session = await auth.authenticate(ctx, token)
    if ctx.clock.now() - session.token.created_at >= IDLE_LIMIT:
        async with ctx.store.write() as tx:
            await tx.delete_access_token(session.token.digest)
        raise SessionExpired(
            f"The console session expired after {IDLE_LIMIT.seconds // 60} minutes without activity; sign in again."
        )
    return session


async def touch(ctx: Context, session: Session, token: str, client_ip: str) -> IssuedAccessToken | None:
    """The user did something: a token older than ROTATE_AFTER is replaced (the old one stops
    working); None when it is still fresh."""
    if ctx.clock.now() - session.token.created_at < ROTATE_AFTER:
        return None
    issued, _account = await auth.refresh_token(ctx, token, client_ip)
    return issued


async def advance_clock(
    ctx: Context, lock: asyncio.Lock, session: Session, seconds: float, client_ip: str
) -> tuple[datetime, IssuedAccessToken]:
    """Sandbox: moves the clock (`services.sandbox.advance`) and replaces the session's token by
    one issued at the new time, so that moving the clock from the console does not sign its user
    out (the idle limit and the token's life are counted in sandbox time)."""
    now = await sandbox.advance(ctx, lock, seconds)
    async with ctx.store.write() as tx:
        await tx.delete_access_token(session.token.digest)
        issued = await auth._issue(tx, session.account, session.token.client_type, client_ip, ctx.clock.now())
    return now, issued


async def sign_out(ctx: Context, token: str | None) -> None:
    await auth.delete_token(ctx, token)


# -- what the console shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    open: list[Meeting]
    """Running and scheduled, by start."""
    ended: list[Meeting]
    """Ended within RECENT, latest first."""
    owner_names: dict[str, str]


async def overview(ctx: Context, session: Session) -> Overview:
    now = ctx.clock.now()
    open_page = await meetings.search_meetings(
        ctx, session, offset=0, limit=LIST_LIMIT, query_all=True, search_key=None, online=False
    )
    ended_page = await meetings.search_history(
        ctx,
        session,
        offset=0,
        limit=LIST_LIMIT,
        query_all=True,
        search_key=None,
        ran_from=now - RECENT,
        ran_to=now,
        descending=True,
    )
    names = {**open_page.owner_names, **ended_page.owner_names}
    return Overview(open_page.meetings, ended_page.meetings, names)


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    present: list[Participant]
    ledger: list[LedgerEntry]
    names: dict[str, str]
    """Display names of the accounts that own the meeting or acted on it."""


def _shown(meeting: Meeting | None, account: Account) -> Meeting:
    states = (MeetingState.SCHEDULED, MeetingState.RUNNING, MeetingState.ENDED)
    if meeting is None or meeting.state not in states or not account.can_see(meeting):
        raise errors.MeetingNotFound()
    return meeting


async def meeting_view(ctx: Context, session: Session, conference_id: str) -> MeetingView:
    async with ctx.store.read() as tx:
        meeting = _shown(await tx.meeting(conference_id) if conference_id else None, session.account)
        sites = (
            await tx.present(conference_id, meeting.conf_uuid)
            if meeting.state is MeetingState.RUNNING
            else []
        )
        present = [p for p in sites if p.in_meeting]  # not those being called or waiting
        ledger = (await tx.ledger(conference_id))[-LEDGER_LIMIT:]
        names = await tx.account_names(sorted({meeting.owner_id, *(e.event.actor for e in ledger)}))
    return MeetingView(meeting, present, ledger, names)


# -- what the console changes -------------------------------------------------------------------


async def _running(ctx: Context, tx: Tx, session: Session, conference_id: str) -> Meeting:
    meeting = _shown(
        await tx.meeting(conference_id, for_update=True) if conference_id else None, session.account
    )
    if meeting.state is MeetingState.SCHEDULED:
        raise errors.MeetingNotStarted()
    if meeting.state is not MeetingState.RUNNING:
        raise errors.MeetingEnded()
    return meeting


async def extend(ctx: Context, session: Session, conference_id: str, minutes: int) -> Meeting:
    """A manual extension (BEHAVIOUR §4's `auto=0`), recorded as done by the signed-in account."""
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _running(ctx, tx, session, conference_id)
        meeting.prolong(minutes, ctx.clock.now(), session.account.id, ctx.policy)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
    return meeting


async def set_auto_extension(ctx: Context, session: Session, conference_id: str, step: int) -> Meeting:
    """`auto=1`: the auto-extension step (0 turns it off)."""
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _running(ctx, tx, session, conference_id)
        meeting.set_auto_extension(step, ctx.clock.now(), session.account.id)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
    return meeting


async def stop(ctx: Context, session: Session, conference_id: str) -> Meeting:
    pending = Pending()
    async with ctx.store.write() as tx:
        meeting = await _running(ctx, tx, session, conference_id)
        now = ctx.clock.now()
        meeting.end(now, EndReason.STOPPED, session.account.id)
        await tx.leave_all(conference_id, meeting.conf_uuid, now)
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
    return meeting


async def live(ctx: Context, session: Session, conference_id: str, client_ip: str) -> control.ConfToken:
    """An attendee control token and its one-minute WebSocket token, for the page to subscribe
    to the meeting-control WebSocket: it can read the meeting, never change it."""
    async with ctx.store.read() as tx:
        meeting = _shown(await tx.meeting(conference_id) if conference_id else None, session.account)
    return await control.create_conf_token(
        ctx, conference_id, password=meeting.guest_password, current=None, client_ip=client_ip
    )


async def join(ctx: Context, session: Session, conference_id: str, name: str) -> Participant:
    """Sandbox: a simulated participant joins a meeting the account may see."""
    async with ctx.store.read() as tx:
        _shown(await tx.meeting(conference_id) if conference_id else None, session.account)
    return await people.join(ctx, conference_id, name, 0)


async def leave(ctx: Context, session: Session, conference_id: str, participant_id: str) -> None:
    async with ctx.store.read() as tx:
        _shown(await tx.meeting(conference_id) if conference_id else None, session.account)
    await people.leave(ctx, conference_id, participant_id)
