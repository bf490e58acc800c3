"""Meeting changes between replicas on one PostgreSQL database: each replica NOTIFYs what it
committed, and LISTENs, on a dedicated connection, for what the others committed, handing it to
its own subscribers (the WebSocket hub, the deadline loop). On SQLite there is one process and
nothing to relay."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence

import psycopg

from overtime.domain.clock import Clock
from overtime.domain.meeting import EventKind, MeetingEvent
from overtime.services.context import EventBus

log = logging.getLogger("overtime.relay")
CHANNEL = "overtime_meeting_changes"


class PgRelay:
    def __init__(self, url: str, bus: EventBus, clock: Clock) -> None:
        self.url = url
        self.bus = bus
        self.clock = clock
        self.origin = uuid.uuid4().hex
        self._sender: psycopg.AsyncConnection[object] | None = None
        self._lock = asyncio.Lock()
        bus.relay_to(self.send)

    async def send(self, conference_id: str, events: Sequence[MeetingEvent]) -> None:
        payload = json.dumps({"o": self.origin, "c": conference_id, "k": [e.kind.value for e in events]})
        async with self._lock:
            try:
                if self._sender is None or self._sender.closed:
                    self._sender = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                await self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            except psycopg.Error:
                log.warning("could not relay a change of %s to other replicas", conference_id)
                self._sender = None

    async def listen_forever(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for note in conn.notifies():
                        await self._receive(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("relay connection lost; reconnecting in 1 s")
                await asyncio.sleep(1)

    async def _receive(self, payload: str) -> None:
        message = json.loads(payload)
        if message.get("o") == self.origin:
            return
        now = self.clock.now()  # receivers use the kinds and re-read the meeting itself
        events = [MeetingEvent(EventKind(k), now, "replica", None, None) for k in message.get("k", [])]
        await self.bus.publish_relayed(str(message.get("c", "")), events)

    async def close(self) -> None:
        if self._sender is not None:
            await self._sender.close()
