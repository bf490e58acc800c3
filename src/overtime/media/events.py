"""Presence from Janus (issue 16): the events Janus' sample event handler posts, turned into
sites joining and leaving through the same service functions as the sandbox's participants
(`services.people.join` / `leave`), so the auto-extension rule sees them exactly alike.

Each event is applied in its own transaction before the POST is answered: a crash after the 200
loses nothing. Janus sends no event id; events are idempotent by state instead: a `joined` for a
Janus participant already known, or a `leaving` for one already gone, changes nothing."""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from sqlalchemy.exc import IntegrityError

from overtime.domain import errors
from overtime.domain.presence import MAX_NAME, Participant
from overtime.services import people
from overtime.services.context import Context
from overtime.storage import media as store
from overtime.storage.sql import Tx

log = logging.getLogger("overtime.media")

PLUGIN = "janus.plugin.videoroom"
PLUGIN_EVENT = 64
SESSION_EVENT = 1
LEAVES = ("leaving", "kicked")


class Duplicate(Exception):
    """The event changed nothing: the transaction it started is rolled back."""


@dataclass(frozen=True)
class EventsAuth:
    """HTTP Basic, user `janus`, password the events secret; only its digest is kept, compared in
    constant time."""

    digest: bytes

    @classmethod
    def of(cls, secret: str) -> EventsAuth:
        return cls(sha256(f"janus:{secret}".encode()).digest())

    def allows(self, user: str, password: str) -> bool:
        given = sha256(f"{user}:{password}".encode()).digest()
        return hmac.compare_digest(given, self.digest) and user == "janus"


def _id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    return str(value)


async def apply(ctx: Context, document: Any) -> int:
    """Applies a POSTed document (one event or a list of them); returns how many changed
    something. Malformed entries are skipped with a log line."""
    events = document if isinstance(document, list) else [document]
    changed = 0
    for event in events:
        if not isinstance(event, Mapping):
            log.warning("janus event ignored: not an object")
            continue
        with contextlib.suppress(Duplicate):
            changed += await _one(ctx, event)
    return changed


async def _one(ctx: Context, event: Mapping[str, Any]) -> int:
    body = event.get("event")
    if not isinstance(body, Mapping):
        return 0
    if event.get("type") == SESSION_EVENT and body.get("name") == "destroyed":
        return await _session_destroyed(ctx, _id(event.get("session_id")))
    if event.get("type") != PLUGIN_EVENT or body.get("plugin") != PLUGIN:
        return 0
    data = body.get("data")
    if not isinstance(data, Mapping):
        return 0
    what, room_id, janus_id = data.get("event"), _id(data.get("room")), _id(data.get("id"))
    if what not in ("joined", "published", *LEAVES) or not room_id or not janus_id:
        return 0
    async with ctx.store.read() as tx:
        room = await store.room(tx.conn, room_id)
    if room is None:
        log.info("janus event %s ignored: room %s is not a meeting's", what, room_id)
        return 0
    if what == "joined":
        display = data.get("display")
        # Janus bounds no display name: cut to what a participant's name may hold, without the
        # control characters PostgreSQL refuses, rather than refuse (Janus would resend it).
        text = "".join(c for c in display if c >= " ")[:MAX_NAME] if isinstance(display, str) else ""
        name = text.strip() or f"Janus {janus_id}"[:MAX_NAME]
        return await _joined(ctx, room, janus_id, _id(event.get("session_id")), name)
    if what == "published":
        return await _published(ctx, room, janus_id, data.get("streams"))
    async with ctx.store.read() as tx:
        feed = await store.feed(tx.conn, room.conf_uuid, janus_id)
    return await _left(ctx, feed, kicked=what == "kicked") if feed is not None else 0


async def _joined(ctx: Context, room: store.MediaRoom, janus_id: str, session_id: str, name: str) -> int:
    async with ctx.store.read() as tx:
        if await store.feed(tx.conn, room.conf_uuid, janus_id) is not None:
            return 0  # a retransmission

    async def bind(tx: Tx, site: Participant) -> None:
        if await store.feed(tx.conn, room.conf_uuid, janus_id) is not None:
            raise Duplicate()
        await store.add_feed(
            tx.conn,
            store.Feed(
                0,
                room.conference_id,
                room.conf_uuid,
                janus_id,
                session_id,
                site.participant_id,
                site.name,
                "",
                0,
                store.IN,
            ),
        )

    try:
        await people.join(ctx, room.conference_id, name[:96], also=bind)
    except IntegrityError:
        return 0  # the same event, applied by a concurrent request
    except errors.DomainError as e:
        log.warning("janus participant %s of room %s not admitted: %s", janus_id, room.conference_id, e)
        return 0
    return 1


async def _published(ctx: Context, room: store.MediaRoom, janus_id: str, streams: Any) -> int:
    """Remembers the mid of the participant's audio stream: what a host's mute moderates."""
    mid = next(
        (
            _id(s.get("mid"))
            for s in (streams if isinstance(streams, list) else [])
            if isinstance(s, Mapping) and s.get("type") == "audio"
        ),
        "",
    )
    async with ctx.store.write() as tx:
        feed = await store.feed(tx.conn, room.conf_uuid, janus_id)
        if feed is None or feed.audio_mid == mid:
            return 0
        await store.set_feed(tx.conn, feed.id, audio_mid=mid[:16], mute_applied=0)
    return 1


async def _left(ctx: Context, feed: store.Feed, *, kicked: bool = False) -> int:
    """The Janus participant left the room (or Janus kicked it: then the ledger says so, since a
    kick whose answer Overtime never got, a timeout, is confirmed only by this event)."""
    if feed.state != store.IN:
        return 0  # already gone, or kicked by Overtime itself

    async def mark(tx: Tx, _: None) -> None:
        current = await store.feed(tx.conn, feed.conf_uuid, feed.janus_id)
        if current is None or current.state != store.IN:
            raise Duplicate()
        await store.set_feed(tx.conn, feed.id, state=store.KICKED if kicked else store.GONE)
        if kicked:
            await store.record(
                tx.conn, feed.conference_id, feed.conf_uuid, ctx.clock.now(), f"kicked {feed.display}"
            )

    try:
        await people.leave(ctx, feed.conference_id, feed.participant_id, also=mark)
    except (errors.ParticipantNotFound, errors.MeetingNotFound):
        # The site is no longer in the meeting (hung up, the run ended): only the mapping goes.
        async with ctx.store.write() as tx:
            await mark(tx, None)
    return 1


async def _session_destroyed(ctx: Context, session_id: str) -> int:
    if not session_id:
        return 0
    async with ctx.store.read() as tx:
        feeds = await store.feeds_of_session(tx.conn, session_id)
    changed = 0
    for feed in feeds:
        with contextlib.suppress(Duplicate):
            changed += await _left(ctx, feed)
    return changed
