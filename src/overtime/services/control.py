"""MMC control: control tokens, extend (the seed), stop and real-time info (reference §5)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from overtime.domain import credentials, errors
from overtime.domain.meeting import DEFAULT_EXTENSION, EndReason, Meeting, MeetingState
from overtime.domain.presence import Participant
from overtime.domain.tokens import CONTROL_TOKEN_TTL, WS_TOKEN_TTL, ControlToken, IssuedControlToken, Role
from overtime.services import guessing
from overtime.services.context import Context, Pending
from overtime.storage.sql import Tx

CONTROL_PREFIX = "stb"
WS_PREFIX = "cnr"


def _raw_token(header: str | None) -> str:
    """Both documented forms: the raw token, or `Basic base64(token)`."""
    if header is None or not header.strip():
        raise errors.ControlTokenMissing()
    value = header.strip()
    if value[:6].lower() == "basic ":
        try:
            value = base64.b64decode(value[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise errors.ControlTokenInvalid() from None
    return value


@dataclass(frozen=True)
class Authorized:
    token: ControlToken
    meeting: Meeting


async def authorize(
    ctx: Context, tx: Tx, conference_id: str, header: str | None, *, chair_only: bool
) -> Authorized:
    raw = _raw_token(header)
    token = await tx.control_token(credentials.digest(raw))
    if (
        token is None
        or not token.is_live(ctx.clock.now())
        or not credentials.same(token.conference_id, conference_id)
    ):
        raise errors.ControlTokenInvalid()
    if chair_only and token.role is not Role.CHAIR:
        raise errors.GuestNotAllowed()
    meeting = await tx.meeting(conference_id, for_update=True)
    if meeting is None or meeting.state is not MeetingState.RUNNING or meeting.conf_uuid != token.conf_uuid:
        raise errors.MeetingEnded()
    return Authorized(token, meeting)


@dataclass(frozen=True)
class ConfToken:
    issued: IssuedControlToken
    meeting: Meeting
    ws_token: str
    """A one-minute, single-use WebSocket token for the same run and role (`tmpWsToken`)."""


async def _issue_ws_token(ctx: Context, tx: Tx, meeting: Meeting, role: Role) -> str:
    raw = credentials.new_token(WS_PREFIX)
    await tx.insert_ws_token(
        credentials.digest(raw),
        meeting.conference_id,
        meeting.conf_uuid,
        role,
        ctx.clock.now() + WS_TOKEN_TTL,
    )
    return raw


async def create_ws_token(ctx: Context, conference_id: str, header: str | None) -> str:
    """GET /v1/mmc/control/conferences/wsToken: any live control token of the running meeting."""
    async with ctx.store.write() as tx:
        auth = await authorize(ctx, tx, conference_id, header, chair_only=False)
        return await _issue_ws_token(ctx, tx, auth.meeting, auth.token.role)


async def consume_ws_token(ctx: Context, conference_id: str, raw: str) -> Role | None:
    """The WebSocket handshake's `tmpToken`: valid once, for one minute, for this meeting's
    current run. Returns the role it carries, or None."""
    if not raw or not conference_id:
        return None
    async with ctx.store.write() as tx:
        found = await tx.consume_ws_token(credentials.digest(raw), conference_id, ctx.clock.now())
        if found is None:
            return None
        meeting = await tx.meeting(conference_id)
    run, role = found
    if meeting is None or meeting.state is not MeetingState.RUNNING or meeting.conf_uuid != run:
        return None
    return role


async def create_conf_token(
    ctx: Context, conference_id: str, *, password: str | None, current: str | None, client_ip: str
) -> ConfToken:
    """GET /v1/mmc/control/conferences/token. With `current` (keep-alive), a live token of this
    meeting's run is renewed without the password; an expired one falls back to the password."""
    now = ctx.clock.now()
    if current:
        raw = _raw_token(current)
        async with ctx.store.write() as tx:
            token = await tx.control_token(credentials.digest(raw))
            if (
                token is not None
                and token.is_live(now)
                and credentials.same(token.conference_id, conference_id)
            ):
                meeting = await tx.meeting(conference_id)
                if (
                    meeting is None
                    or meeting.state is not MeetingState.RUNNING
                    or meeting.conf_uuid != token.conf_uuid
                ):
                    raise errors.MeetingEnded()
                expires = now + CONTROL_TOKEN_TTL
                await tx.renew_control_token(token.digest, expires)
                renewed = ControlToken(
                    token.digest, token.conference_id, token.conf_uuid, token.role, token.created_at, expires
                )
                ws = await _issue_ws_token(ctx, tx, meeting, token.role)
                return ConfToken(IssuedControlToken(raw, renewed), meeting, ws)
        if not password:
            raise errors.ControlTokenInvalid()
    if not password:
        raise errors.ConferenceAuthFailed("The meeting password must not be empty.")

    guard = guessing.conference(conference_id, client_ip, now)
    async with ctx.store.write() as tx:
        await guard.check(tx)
        meeting = await tx.meeting(conference_id) if guard.plausible else None
        role: Role | None = None
        if meeting is not None:
            # Both comparisons always run: the time taken does not tell which password matched.
            is_chair = credentials.same(password, meeting.chair_password)
            is_guest = credentials.same(password, meeting.guest_password)
            role = Role.CHAIR if is_chair else Role.ATTENDEE if is_guest else None
        failed = meeting is None or role is None
        await guard.record(tx, ok=not failed)
        if meeting is not None and role is not None and meeting.state is MeetingState.RUNNING:
            raw = credentials.new_token(CONTROL_PREFIX)
            record = ControlToken(
                digest=credentials.digest(raw),
                conference_id=meeting.conference_id,
                conf_uuid=meeting.conf_uuid,
                role=role,
                created_at=now,
                expires_at=now + CONTROL_TOKEN_TTL,
            )
            await tx.insert_control_token(record)
            ws = await _issue_ws_token(ctx, tx, meeting, role)
    if failed:
        raise errors.ConferenceAuthFailed()
    assert meeting is not None
    if meeting.state is not MeetingState.RUNNING:
        raise errors.MeetingNotStarted()
    return ConfToken(IssuedControlToken(raw, record), meeting, ws)


async def prolong_meeting(
    ctx: Context, conference_id: str, header: str | None, *, auto: int, duration: int | None
) -> Meeting:
    """PUT /v1/mmc/control/conferences/duration (BEHAVIOUR §4)."""
    pending = Pending()
    async with ctx.store.write() as tx:
        auth = await authorize(ctx, tx, conference_id, header, chair_only=True)
        meeting, now = auth.meeting, ctx.clock.now()
        if auto == 0:
            meeting.prolong(DEFAULT_EXTENSION if duration is None else duration, now, "chair", ctx.policy)
        elif auto == 1:
            meeting.set_auto_extension(DEFAULT_EXTENSION if duration is None else duration, now, "chair")
        else:
            raise errors.AutoModeInvalid("auto must be 0 or 1.")
        await pending.save(tx, meeting)
    await pending.publish(ctx.bus)
    return meeting


async def stop_meeting(ctx: Context, conference_id: str, header: str | None) -> Meeting:
    """PUT /v1/mmc/control/conferences/stop."""
    pending = Pending()
    async with ctx.store.write() as tx:
        auth = await authorize(ctx, tx, conference_id, header, chair_only=True)
        now = ctx.clock.now()
        await tx.leave_all(conference_id, auth.meeting.conf_uuid, now)
        auth.meeting.end(now, EndReason.STOPPED, "chair")  # a series then rolls on (BEHAVIOUR §9)
        await pending.save(tx, auth.meeting)
    await pending.publish(ctx.bus)
    return auth.meeting


async def real_time_info(
    ctx: Context, conference_id: str, header: str | None
) -> tuple[Meeting, list[Participant]]:
    """GET /v1/mmc/control/conferences/realTimeInfo: any live token of the running meeting."""
    async with ctx.store.read() as tx:
        auth = await authorize(ctx, tx, conference_id, header, chair_only=False)
        present = await tx.present(conference_id, auth.meeting.conf_uuid)
    return auth.meeting, present
