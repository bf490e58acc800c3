"""Janus follows the meetings (issue 16): a background loop, one more `WakeLoop`, that makes the
media server agree with what the database says.

The database is the durable outbox: every control operation commits its own state change (the
run started or ended, a site hung up or deleted, the meeting locked, a site muted) and nothing
else; this loop, woken by those changes and polling as a safety net, compares that state with
what it last made Janus do (`media_rooms`, `media_participants`) and makes the calls still
missing: create or destroy the run's room, set its pin, kick, moderate. A Janus error or timeout
leaves the row as it was, so the call is made again on the next pass; each result, and the first
failure of each kind, is a `media` entry in the run's ledger. No write path of the control
operations changes, and a room Janus lost (a restart) is noticed by its periodic `exists` check
and created again; the sites that were in it have left."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from overtime.domain.events import EventKind
from overtime.domain.meeting import Meeting, MeetingEvent
from overtime.domain.presence import SiteState
from overtime.media import janus
from overtime.media.janus import JanusClient, JanusError
from overtime.services import people
from overtime.services.context import Context
from overtime.services.loop import WakeLoop
from overtime.storage import media as store
from overtime.storage.media import MediaRoom
from overtime.storage.sql import Tx

log = logging.getLogger("overtime.media")

WAKES = frozenset(
    {
        EventKind.STARTED,
        EventKind.ENDED,
        EventKind.CANCELLED,
        EventKind.HUNG_UP,
        EventKind.ATTENDEES_DELETED,
        EventKind.MOVED_TO_WAITING,
        EventKind.LEFT,
        EventKind.LOCKED,
        EventKind.MUTED,
        EventKind.MEETING_MUTED,
    }
)
"""The changes Janus has to follow; extensions are not among them (they change nothing there)."""

GUEST = "guest"
LOCK = "lock"


class MediaDispatcher(WakeLoop):
    name = "media loop"

    def __init__(
        self, ctx: Context, client: JanusClient, *, poll_seconds: float = 1.0, check_seconds: float = 2.0
    ) -> None:
        super().__init__(ctx, poll_seconds=poll_seconds)
        self.janus = client
        self.check_seconds = check_seconds
        """How often each room's existence is checked (a restarted Janus has lost them all)."""
        self._last_check = 0.0

    def wakes_on(self, events: Sequence[MeetingEvent]) -> bool:
        return any(e.kind in WAKES for e in events)

    async def next_due(self) -> datetime | None:
        return None  # the poll is the clock of the existence checks

    async def run_forever(self) -> None:
        try:
            await super().run_forever()
        finally:
            await self.janus.aclose()

    async def answers(self) -> bool:
        """Whether Janus answers its `info` request (`/health?deep=1`)."""
        try:
            await self.janus.info()
        except JanusError:
            return False
        return True

    async def run_pass(self) -> None:
        await self.refresh_clock()
        async with self.ctx.store.read() as tx:
            running = {
                m.conference_id: m for m in await store.running_meetings(tx.conn) if m.conference_id.isdigit()
            }
            rooms = {r.conference_id: r for r in await store.rooms(tx.conn)}
        now = asyncio.get_running_loop().time()
        check = now - self._last_check >= self.check_seconds
        if check:
            self._last_check = now
        for r in rooms.values():
            m = running.get(r.conference_id)
            if m is None or m.conf_uuid != r.conf_uuid:
                await self._close(r)
        for m in running.values():
            await self._follow(m, rooms.get(m.conference_id), check=check)
        if not running:
            await self.janus.keepalive()

    # -- one room ------------------------------------------------------------------------------

    async def _call(self, r: MediaRoom, what: str, call: Callable[[], Awaitable[None]]) -> bool:
        """One Janus call about the room; a failure is logged and written to the ledger once
        (until the next success), and the caller leaves its row as it was, to retry."""
        try:
            await call()
        except JanusError as e:
            error = f"{what} failed: {e}"[:255]
            log.warning("janus: room %s: %s", r.conference_id, error)
            if error != r.last_error:
                async with self.ctx.store.write() as tx:
                    await store.update_room(tx.conn, r.conference_id, r.conf_uuid, last_error=error)
                    await store.record(tx.conn, r.conference_id, r.conf_uuid, self.ctx.clock.now(), error)
            return False
        return True

    async def _done(self, r: MediaRoom, detail: str, **values: str) -> None:
        async with self.ctx.store.write() as tx:
            await store.update_room(tx.conn, r.conference_id, r.conf_uuid, last_error="", **values)
            await store.record(tx.conn, r.conference_id, r.conf_uuid, self.ctx.clock.now(), detail)

    async def _create(self, r: MediaRoom, m: Meeting) -> MediaRoom | None:
        pin_kind = LOCK if m.room.lock else GUEST
        pin = r.lock_pin if pin_kind == LOCK else m.guest_password

        async def create() -> None:
            try:
                await self.janus.create(r.room, secret=r.secret, pin=pin, description=m.subject[:64])
            except JanusError as e:
                if e.code != janus.ROOM_EXISTS:
                    raise
                # Created by an earlier attempt whose answer was lost (or by another replica):
                # ours if our secret edits it.
                await self.janus.set_pin(r.room, secret=r.secret, pin=pin)

        if not await self._call(r, "create room", create):
            return None
        await self._done(r, "room created", pin_applied=pin_kind)
        return MediaRoom(r.conference_id, r.conf_uuid, r.secret, r.lock_pin, pin_kind, "")

    async def _close(self, r: MediaRoom) -> None:
        async def destroy() -> None:
            try:
                await self.janus.destroy(r.room, secret=r.secret)
            except JanusError as e:
                if e.code != janus.NO_SUCH_ROOM:
                    raise

        if await self._call(r, "destroy room", destroy):
            async with self.ctx.store.write() as tx:
                await store.drop_room(tx.conn, r.conference_id, r.conf_uuid)
                await store.record(
                    tx.conn, r.conference_id, r.conf_uuid, self.ctx.clock.now(), "room destroyed"
                )

    async def _follow(self, m: Meeting, found: MediaRoom | None, *, check: bool) -> None:
        if found is not None and found.conf_uuid != m.conf_uuid:
            return  # the previous run's room is not destroyed yet: the next pass tries again
        if found is None:
            fresh = MediaRoom(
                m.conference_id, m.conf_uuid, secrets.token_urlsafe(24), secrets.token_urlsafe(24), "", ""
            )
            async with self.ctx.store.write() as tx:
                claimed = await store.claim_room(tx.conn, fresh)
            if claimed is None or claimed.conf_uuid != m.conf_uuid:
                return
            r = claimed
        else:
            r = found
        if r is found and r.pin_applied and check:
            exists = True

            async def probe() -> None:
                nonlocal exists
                exists = await self.janus.exists(r.room)

            if not await self._call(r, "check room", probe):
                return
            if not exists:
                await self._lost(r)
                r = MediaRoom(r.conference_id, r.conf_uuid, r.secret, r.lock_pin, "", r.last_error)
        if not r.pin_applied:
            created = await self._create(r, m)
            if created is None:
                return
            r = created
        wanted = LOCK if m.room.lock else GUEST
        if r.pin_applied != wanted:
            pin = r.lock_pin if wanted == LOCK else m.guest_password
            if not await self._call(
                r, "set pin", lambda: self.janus.set_pin(r.room, secret=r.secret, pin=pin)
            ):
                return
            await self._done(
                r,
                "pin rotated: nobody new can join" if wanted == LOCK else "pin: the guest password",
                pin_applied=wanted,
            )
        await self._follow_people(m, r)

    async def _lost(self, r: MediaRoom) -> None:
        """Janus no longer has the room (it restarted): whoever was in it has left."""
        log.warning("janus: room %s is gone from Janus; creating it again", r.conference_id)
        async with self.ctx.store.write() as tx:
            await store.update_room(tx.conn, r.conference_id, r.conf_uuid, pin_applied="")
            await store.record(
                tx.conn, r.conference_id, r.conf_uuid, self.ctx.clock.now(), "room lost by Janus"
            )
            feeds = await store.feeds(tx.conn, r.conf_uuid)
        for feed in feeds:

            async def mark(tx: Tx, _: None, feed: store.Feed = feed) -> None:
                await store.set_feed(tx.conn, feed.id, state=store.GONE)

            try:
                await people.leave(self.ctx, r.conference_id, feed.participant_id, also=mark)
            except Exception:  # already gone from the meeting: only the mapping goes
                async with self.ctx.store.write() as tx:
                    await store.set_feed(tx.conn, feed.id, state=store.GONE)

    async def _follow_people(self, m: Meeting, r: MediaRoom) -> None:
        async with self.ctx.store.read() as tx:
            feeds = await store.feeds(tx.conn, r.conf_uuid)
            if not feeds:
                return
            sites = {p.participant_id: p for p in await tx.present(m.conference_id, m.conf_uuid)}
        for feed in feeds:
            site = sites.get(feed.participant_id)
            if site is None or site.state is not SiteState.IN_MEETING:
                await self._kick(r, feed, feed.display)
            elif int(site.mute) != feed.mute_applied:
                await self._mute(r, feed, site.name, site.mute)

    async def _kick(self, r: MediaRoom, feed: store.Feed, name: str) -> None:
        async def kick() -> None:
            try:
                await self.janus.kick(r.room, int(feed.janus_id), secret=r.secret)
            except JanusError as e:
                if e.code != janus.NO_SUCH_FEED:
                    raise

        if await self._call(r, f"kick {name}", kick):
            async with self.ctx.store.write() as tx:
                current = await store.feed(tx.conn, feed.conf_uuid, feed.janus_id)
                if current is None or current.state != store.IN:
                    return  # Janus' `kicked` event came first and recorded it
                await store.set_feed(tx.conn, feed.id, state=store.KICKED)
                await store.update_room(tx.conn, r.conference_id, r.conf_uuid, last_error="")
                await store.record(
                    tx.conn, r.conference_id, r.conf_uuid, self.ctx.clock.now(), f"kicked {name}"
                )

    async def _mute(self, r: MediaRoom, feed: store.Feed, name: str, mute: bool) -> None:
        """Janus moderates the participant's audio stream when it publishes one; otherwise the
        mute is Overtime's state only (and applied when the participant starts publishing)."""
        if feed.audio_mid:

            async def moderate() -> None:
                try:
                    await self.janus.moderate(
                        r.room, int(feed.janus_id), feed.audio_mid, secret=r.secret, mute=mute
                    )
                except JanusError as e:
                    if e.code != janus.NO_SUCH_FEED:  # gone, or no longer that stream: nothing to do
                        raise

            if not await self._call(r, f"{'mute' if mute else 'unmute'} {name}", moderate):
                return
        async with self.ctx.store.write() as tx:
            await store.set_feed(tx.conn, feed.id, mute_applied=int(mute))
            if feed.audio_mid:
                await store.update_room(tx.conn, r.conference_id, r.conf_uuid, last_error="")
                await store.record(
                    tx.conn, r.conference_id, r.conf_uuid, self.ctx.clock.now(),
                    f"{'muted' if mute else 'unmuted'} {name}'s audio",
                )  # fmt: skip
