"""Rows to domain objects and back, the prebuilt hot statements, and query descriptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import (
    Row,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from overtime.domain.accounts import Account
from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import Meeting, MeetingEvent, MeetingKind, MeetingState
from overtime.domain.presence import Participant, SiteState
from overtime.domain.room_state import RoomState
from overtime.domain.series import Series
from overtime.domain.tokens import AccessToken, ControlToken, Role
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.tables import (
    access_tokens,
    accounts,
    control_tokens,
    meeting_events,
    meetings,
)


def upsert(conn: PgConnection | InLoopConnection, table: Any) -> Any:
    """INSERT ... ON CONFLICT, in the connection's dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def like_pattern(search: str) -> str:
    """A LIKE pattern matching `search` anywhere, its wildcards escaped (with `escape="\\"`)."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ms_or_none(at: datetime | None) -> int | None:
    return None if at is None else to_ms(at)


def dt_or_none(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def account_from_row(row: Any) -> Account:
    return Account(
        id=row.id,
        account=row.account,
        name=row.name,
        corp_id=row.corp_id,
        is_admin=bool(row.is_admin),
        password_hash=row.password_hash,
        app_id=row.app_id,
        created_at=from_ms(row.created_at),
    )


_json = msgspec.json.Decoder().decode
"""The JSON columns are read and written with msgspec: several times quicker than the standard
library for the same compact text, on every row of the hot path (decision 0007)."""
_encode = msgspec.json.Encoder().encode


def _text(value: Any) -> str:
    return _encode(value).decode()


def meeting_from_row(row: Any) -> Meeting:
    return Meeting(
        conference_id=row.conference_id,
        owner_id=row.owner_id,
        corp_id=row.corp_id,
        subject=row.subject,
        media_types=row.media_types,
        length=row.length,
        kind=MeetingKind(row.kind),
        state=MeetingState(row.state),
        scheduled_start=from_ms(row.scheduled_start),
        created_at=from_ms(row.created_at),
        chair_password=row.chair_password,
        guest_password=row.guest_password,
        allow_guest_start=bool(row.allow_guest_start),
        prolong_step=row.prolong_step,
        conf_uuid=row.conf_uuid,
        started_at=dt_or_none(row.started_at),
        end_at=dt_or_none(row.end_at),
        ended_reason=row.ended_reason,
        version=row.version,
        details=_json(row.details),
        room=RoomState.from_json(_json(row.room)),
        cycle_sub_id=row.cycle_sub_id,
        series=Series.from_json(_json(row.series)) if row.series else None,
    )


def meeting_row_values(m: Meeting) -> dict[str, Any]:
    return {
        "owner_id": m.owner_id,
        "corp_id": m.corp_id,
        "subject": m.subject,
        "media_types": m.media_types,
        "length": m.length,
        "kind": m.kind.value,
        "state": m.state.value,
        "scheduled_start": to_ms(m.scheduled_start),
        "created_at": to_ms(m.created_at),
        "chair_password": m.chair_password,
        "guest_password": m.guest_password,
        "allow_guest_start": m.allow_guest_start,
        "prolong_step": m.prolong_step,
        "conf_uuid": m.conf_uuid,
        "started_at": ms_or_none(m.started_at),
        "end_at": ms_or_none(m.end_at),
        "ended_reason": m.ended_reason,
        "deadline_at": ms_or_none(m.deadline),
        "details": _text(m.details),
        "room": _room_json(m.room),
        "cycle_sub_id": m.cycle_sub_id,
        "series": None if m.series is None else _text(m.series.to_json()),
    }


_DEFAULT_ROOM = RoomState()


def _room_json(room: RoomState) -> str:
    # Most meetings never change their room: the stored default is the empty object.
    return "{}" if room == _DEFAULT_ROOM else _text(room.to_json())


def access_token_from_row(row: Any) -> AccessToken:
    return AccessToken(
        digest=row.digest,
        refresh_digest=row.refresh_digest,
        account_id=row.account_id,
        client_type=row.client_type,
        client_ip=row.client_ip,
        created_at=from_ms(row.created_at),
        expires_at=from_ms(row.expires_at),
        refresh_expires_at=from_ms(row.refresh_expires_at),
    )


def control_token_from_row(row: Any) -> ControlToken:
    return ControlToken(
        digest=row.digest,
        conference_id=row.conference_id,
        conf_uuid=row.conf_uuid,
        role=Role(row.role),
        created_at=from_ms(row.created_at),
        expires_at=from_ms(row.expires_at),
    )


MEETING_COLUMNS = (
    "owner_id",
    "corp_id",
    "subject",
    "media_types",
    "length",
    "kind",
    "state",
    "scheduled_start",
    "created_at",
    "chair_password",
    "guest_password",
    "allow_guest_start",
    "prolong_step",
    "conf_uuid",
    "started_at",
    "end_at",
    "ended_reason",
    "deadline_at",
    "details",
    "room",
    "version",
    "cycle_sub_id",
    "series",
)


# The hot path's statements, built once: constructing a statement costs more than running it.
SELECT_MEETING = select(meetings).where(meetings.c.conference_id == bindparam("cid"))
SELECT_MEETING_LOCKED = SELECT_MEETING.with_for_update()
UPDATE_MEETING = (
    update(meetings)
    .where(meetings.c.conference_id == bindparam("cid"), meetings.c.version == bindparam("expected"))
    .values({name: bindparam(name) for name in MEETING_COLUMNS})
)
INSERT_EVENTS = insert(meeting_events).values(
    {
        name: bindparam(name)
        for name in (
            "conference_id",
            "conf_uuid",
            "at",
            "kind",
            "actor",
            "old_end",
            "new_end",
            "detail",
            "cycle_sub_id",
        )
    }
)
SELECT_CONTROL_TOKEN = select(control_tokens).where(control_tokens.c.digest == bindparam("digest"))
SELECT_ACCESS_TOKEN = select(access_tokens).where(access_tokens.c.digest == bindparam("digest"))
SELECT_ACCOUNT = select(accounts).where(accounts.c.id == bindparam("id"))


def event_rows(m: Meeting) -> list[dict[str, Any]]:
    return [
        {
            "conference_id": m.conference_id,
            "conf_uuid": e.run[0] if e.run else m.conf_uuid,
            "cycle_sub_id": e.run[1] if e.run else m.cycle_sub_id,
            "at": to_ms(e.at),
            "kind": e.kind.value,
            "actor": e.actor[:64],
            "old_end": ms_or_none(e.old_end),
            "new_end": ms_or_none(e.new_end),
            "detail": e.detail[:255],
        }
        for e in m.events
    ]


@dataclass(frozen=True)
class MeetingQuery:
    """Which meetings a list call wants; `owner_id` None means the whole `corp_id`."""

    states: Sequence[MeetingState]
    corp_id: str
    owner_id: str | None
    search: str | None
    offset: int
    limit: int
    descending: bool = False
    ran_from: datetime | None = None
    """With `ran_to`: only runs that overlap [ran_from, ran_to] (history queries)."""
    ran_to: datetime | None = None


@dataclass(frozen=True)
class AttendanceRow:
    """One join/leave session of a site (`confAttendeeRecord`)."""

    participant_id: str
    name: str
    phone: str
    joined_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class LedgerEntry:
    conf_uuid: str
    event: MeetingEvent


def participant_from_row(row: Row[Any]) -> Participant:
    return Participant(
        participant_id=row.participant_id,
        conference_id=row.conference_id,
        conf_uuid=row.conf_uuid,
        name=row.name,
        role=Role(row.role),
        joined_at=from_ms(row.joined_at),
        left_at=dt_or_none(row.left_at),
        phone=row.phone,
        state=SiteState(row.state),
        mute=bool(row.mute),
        hand=bool(row.hand),
        video=bool(row.video),
        cohost=bool(row.cohost),
        broadcast=bool(row.broadcast),
        rollcall=bool(row.rollcall),
        invited=bool(row.invited),
        call_expires=dt_or_none(row.call_expires),
    )


PARTICIPANT_FLAGS = ("mute", "hand", "video", "cohost", "broadcast", "rollcall", "invited")


def participant_row_values(p: Participant) -> dict[str, Any]:
    return {
        "participant_id": p.participant_id,
        "conference_id": p.conference_id,
        "conf_uuid": p.conf_uuid,
        "name": p.name,
        "role": int(p.role),
        "joined_at": to_ms(p.joined_at),
        "left_at": ms_or_none(p.left_at),
        "phone": p.phone,
        "state": int(p.state),
        **{flag: int(getattr(p, flag)) for flag in PARTICIPANT_FLAGS},
        "call_expires": ms_or_none(p.call_expires),
    }


def run_row_values(m: Meeting) -> dict[str, Any]:
    """An archived series run (`meeting_runs`): the meeting row as that run ended."""
    return {"conference_id": m.conference_id, "version": m.version, **meeting_row_values(m), "series": None}
