"""Media storage (issue 16): the Janus room of each running meeting and who joined it as which
site. Functions take the connection of an open transaction (`tx.conn`), as `storage.webhooks`
does, so they join whatever transaction the caller runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from overtime.domain.clock import to_ms
from overtime.domain.events import EventKind
from overtime.domain.meeting import Meeting, MeetingState
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import meeting_from_row, upsert
from overtime.storage.tables import media_participants, media_rooms, meeting_events, meetings

Conn = PgConnection | InLoopConnection

IN = "in"
GONE = "gone"
KICKED = "kicked"


@dataclass(frozen=True)
class MediaRoom:
    conference_id: str
    conf_uuid: str
    secret: str
    lock_pin: str
    pin_applied: str
    last_error: str

    @property
    def room(self) -> int:
        return int(self.conference_id)


@dataclass(frozen=True)
class Feed:
    """A Janus participant (`janus_id`, its session) joined as the site `participant_id`."""

    id: int
    conference_id: str
    conf_uuid: str
    janus_id: str
    session_id: str
    participant_id: str
    display: str
    audio_mid: str
    mute_applied: int
    state: str


def _room(row: Any) -> MediaRoom:
    return MediaRoom(
        row.conference_id, row.conf_uuid, row.secret, row.lock_pin, row.pin_applied, row.last_error
    )


def _feed(row: Any) -> Feed:
    return Feed(
        row.id,
        row.conference_id,
        row.conf_uuid,
        row.janus_id,
        row.session_id,
        row.participant_id,
        row.display,
        row.audio_mid,
        int(row.mute_applied),
        row.state,
    )


async def running_meetings(conn: Conn) -> list[Meeting]:
    rows = await conn.execute(select(meetings).where(meetings.c.state == MeetingState.RUNNING.value))
    return [meeting_from_row(r) for r in rows]


async def rooms(conn: Conn) -> list[MediaRoom]:
    return [_room(r) for r in await conn.execute(select(media_rooms))]


async def room(conn: Conn, conference_id: str) -> MediaRoom | None:
    row = (
        await conn.execute(select(media_rooms).where(media_rooms.c.conference_id == conference_id))
    ).first()
    return _room(row) if row else None


async def claim_room(conn: Conn, r: MediaRoom) -> MediaRoom | None:
    """Records `r` unless the meeting already has a room row (another replica's, or a previous
    run's not destroyed yet); returns the row the meeting has now."""
    await conn.execute(
        upsert(conn, media_rooms)
        .values(
            conference_id=r.conference_id,
            conf_uuid=r.conf_uuid,
            secret=r.secret,
            lock_pin=r.lock_pin,
            pin_applied=r.pin_applied,
            last_error=r.last_error,
        )
        .on_conflict_do_nothing(index_elements=["conference_id"])
    )
    return await room(conn, r.conference_id)


async def update_room(conn: Conn, conference_id: str, conf_uuid: str, **values: str) -> None:
    await conn.execute(
        update(media_rooms)
        .where(media_rooms.c.conference_id == conference_id, media_rooms.c.conf_uuid == conf_uuid)
        .values(**{k: v[:255] for k, v in values.items()})
    )


async def drop_room(conn: Conn, conference_id: str, conf_uuid: str) -> None:
    await conn.execute(
        delete(media_rooms).where(
            media_rooms.c.conference_id == conference_id, media_rooms.c.conf_uuid == conf_uuid
        )
    )
    await conn.execute(delete(media_participants).where(media_participants.c.conf_uuid == conf_uuid))


async def feed(conn: Conn, conf_uuid: str, janus_id: str) -> Feed | None:
    row = (
        await conn.execute(
            select(media_participants).where(
                media_participants.c.conf_uuid == conf_uuid, media_participants.c.janus_id == janus_id
            )
        )
    ).first()
    return _feed(row) if row else None


async def feeds(conn: Conn, conf_uuid: str, *, state: str = IN) -> list[Feed]:
    rows = await conn.execute(
        select(media_participants)
        .where(media_participants.c.conf_uuid == conf_uuid, media_participants.c.state == state)
        .order_by(media_participants.c.id)
    )
    return [_feed(r) for r in rows]


async def feeds_of_session(conn: Conn, session_id: str) -> list[Feed]:
    rows = await conn.execute(
        select(media_participants).where(
            media_participants.c.session_id == session_id, media_participants.c.state == IN
        )
    )
    return [_feed(r) for r in rows]


async def add_feed(conn: Conn, f: Feed) -> None:
    """Refused (the unique constraint) when this Janus participant is already known."""
    await conn.execute(
        insert(media_participants).values(
            conference_id=f.conference_id,
            conf_uuid=f.conf_uuid,
            janus_id=f.janus_id,
            session_id=f.session_id,
            participant_id=f.participant_id,
            display=f.display,
            audio_mid=f.audio_mid,
            mute_applied=f.mute_applied,
            state=f.state,
        )
    )


async def set_feed(conn: Conn, feed_id: int, **values: Any) -> None:
    await conn.execute(update(media_participants).where(media_participants.c.id == feed_id).values(**values))


async def record(conn: Conn, conference_id: str, conf_uuid: str, at: datetime, detail: str) -> None:
    """A ledger entry of what Janus did (or failed to do) for the run: `media`, by `janus`."""
    await conn.execute(
        insert(meeting_events).values(
            conference_id=conference_id,
            conf_uuid=conf_uuid,
            cycle_sub_id="",
            at=to_ms(at),
            kind=EventKind.MEDIA.value,
            actor="janus",
            old_end=None,
            new_end=None,
            detail=detail[:255],
        )
    )
