"""Presence, due deadlines and the sandbox's state, inside one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    bindparam,
    delete,
    func,
    insert,
    null,
    select,
    update,
)

from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import Meeting, MeetingState
from overtime.domain.presence import Participant, SiteState
from overtime.domain.room import Session
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import (
    INSERT_EVENTS,
    MEETING_COLUMNS,
    AttendanceRow,
    dt_or_none,
    event_rows,
    like_pattern,
    meeting_from_row,
    meeting_row_values,
    participant_from_row,
    participant_row_values,
    run_row_values,
    upsert,
)
from overtime.storage.tables import (
    attendance,
    control_tokens,
    download_tokens,
    meeting_events,
    meeting_runs,
    meetings,
    participants,
    recordings,
    sandbox_state,
    throttles,
    webhook_configs,
    webhook_deliveries,
    ws_tokens,
)
from overtime.storage.tx_recordings import RecordingsTx


class LifecycleTx(RecordingsTx):
    conn: PgConnection | InLoopConnection

    # -- presence (BEHAVIOUR §8) ------------------------------------------------------------------

    async def save_sites(self, sites: Iterable[Participant]) -> None:
        """Inserts new sites and writes changed ones, whatever their number in two statements."""
        rows = [participant_row_values(p) for p in sites]
        if not rows:
            return
        statement = upsert(self.conn, participants)
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[participants.c.participant_id],
                set_={name: statement.excluded[name] for name in rows[0] if name != "participant_id"},
            ),
            rows,
        )

    async def participant(self, conference_id: str, participant_id: str) -> Participant | None:
        row = (
            await self.conn.execute(
                select(participants).where(
                    participants.c.participant_id == participant_id,
                    participants.c.conference_id == conference_id,
                )
            )
        ).first()
        return participant_from_row(row) if row else None

    async def present(self, conference_id: str, conf_uuid: str) -> list[Participant]:
        """The sites of a run still there: in the meeting, being called or waiting."""
        rows = await self.conn.execute(
            select(participants)
            .where(
                participants.c.conference_id == conference_id,
                participants.c.conf_uuid == conf_uuid,
                participants.c.left_at.is_(None),
            )
            .order_by(participants.c.joined_at, participants.c.participant_id)
        )
        return [participant_from_row(r) for r in rows]

    async def open_sessions(self, conference_id: str, conf_uuid: str, sessions: Sequence[Session]) -> None:
        if sessions:
            await self.conn.execute(
                insert(attendance),
                [
                    {
                        "conference_id": conference_id,
                        "conf_uuid": conf_uuid,
                        "participant_id": s.participant_id,
                        "name": s.name,
                        "phone": s.phone,
                        "joined_at": to_ms(s.at),
                        "left_at": None,
                    }
                    for s in sessions
                ],
            )

    async def close_sessions(self, closed: Sequence[tuple[str, datetime]]) -> None:
        if closed:
            await self.conn.execute(
                update(attendance)
                .where(attendance.c.participant_id == bindparam("pid"), attendance.c.left_at.is_(None))
                .values(left_at=bindparam("at")),
                [{"pid": pid, "at": to_ms(at)} for pid, at in closed],
            )

    async def attendance(self, conf_uuid: str, search: str | None) -> list[AttendanceRow]:
        """The attendance sessions of one run, in the order they opened."""
        query = select(attendance).where(attendance.c.conf_uuid == conf_uuid).order_by(attendance.c.id)
        if search:
            pattern = like_pattern(search)
            query = query.where(
                attendance.c.name.like(pattern, escape="\\") | attendance.c.phone.like(pattern, escape="\\")
            )
        return [
            AttendanceRow(r.participant_id, r.name, r.phone, from_ms(r.joined_at), dt_or_none(r.left_at))
            for r in await self.conn.execute(query)
        ]

    async def number_in_conf(self, corp_id: str, phone: str) -> str | None:
        """A running meeting of the enterprise with `phone` in it (state 0), if any."""
        row = (
            await self.conn.execute(
                select(meetings.c.conference_id)
                .select_from(
                    participants.join(
                        meetings,
                        (meetings.c.conference_id == participants.c.conference_id)
                        & (meetings.c.conf_uuid == participants.c.conf_uuid),
                    )
                )
                .where(
                    participants.c.phone == phone,
                    participants.c.left_at.is_(None),
                    participants.c.state == int(SiteState.IN_MEETING),
                    meetings.c.corp_id == corp_id,
                    meetings.c.state == MeetingState.RUNNING.value,
                )
                .order_by(meetings.c.conference_id)
                .limit(1)
            )
        ).first()
        return None if row is None else str(row.conference_id)

    async def leave_all(self, conference_id: str, conf_uuid: str, at: datetime) -> None:
        await self.leave_runs([(conference_id, conf_uuid, at)])

    # -- deadlines ----------------------------------------------------------------------------
    # The deadline loop's statements are built once (decision 0006): building a statement costs
    # more than running it. Updates and inserts run as one executemany on the driver's cursor.

    async def next_deadline(self) -> datetime | None:
        row = await self.conn.fetch_one(_NEXT_DEADLINE, {})
        ms = None if row is None else row["next_at"]
        return None if ms is None else from_ms(int(ms))

    async def meetings_due(self, until: datetime, limit: int, *, skip_locked: bool = True) -> list[Meeting]:
        """Up to `limit` meetings whose deadline is at or before `until`, earliest first, locked
        for this transaction. On PostgreSQL, rows another replica holds are skipped, or with
        `skip_locked=False` waited for (and re-checked once free)."""
        query = _DUE
        if self.conn.dialect.name == "postgresql":
            query = _DUE_SKIP_LOCKED if skip_locked else _DUE_LOCKED
        rows = await self.conn.execute(query, {"until": to_ms(until), "limit": limit})
        return [meeting_from_row(r) for r in rows]

    async def present_counts(self, runs: Sequence[tuple[str, str]]) -> dict[str, int]:
        """How many are in the meeting itself (state 0) in each (conference_id, conf_uuid) run:
        being called or waiting is not present (BEHAVIOUR §8)."""
        if not runs:
            return {}
        wanted = dict(runs)
        rows = await self.conn.execute(_PRESENT_COUNTS, {"ids": list(wanted)})
        return {r[0]: int(r[2]) for r in rows if wanted.get(r[0]) == r[1]}

    async def leave_runs(self, runs: Sequence[tuple[str, str, datetime]]) -> None:
        """Every site still there in each (conference_id, conf_uuid) run goes at its time, and
        its attendance session closes."""
        if not runs:
            return
        params = [{"cid": cid, "run": run, "at": to_ms(at)} for cid, run, at in runs]
        await self.conn.run_many(_LEAVE_SITES, params)
        await self.conn.run_many(_CLOSE_SESSIONS, params)

    async def save_locked_meetings(self, changed: Sequence[Meeting]) -> None:
        """Writes meetings this transaction holds locked (read by `meetings_due`), with their
        new ledger entries, in a few statements whatever their number."""
        if not changed:
            return
        await self.conn.run_many(
            _UPDATE_LOCKED,
            [{"cid": m.conference_id, **meeting_row_values(m), "version": m.version + 1} for m in changed],
        )
        rows = [row for m in changed for row in event_rows(m)]
        if rows:
            await self.conn.run_many(INSERT_EVENTS, rows)
        await self.keep_recordings(changed)
        runs = [run_row_values(run) for m in changed for run in m.archived]
        if runs:
            await self.conn.execute(insert(meeting_runs), runs)
        for m in changed:
            m.archived.clear()
            m.version += 1
            m.events.clear()

    async def due(self, until: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Meetings whose deadline is at or before `until`, earliest first."""
        rows = await self.conn.execute(
            select(meetings.c.conference_id, meetings.c.deadline_at)
            .where(meetings.c.deadline_at <= to_ms(until))
            .order_by(meetings.c.deadline_at, meetings.c.conference_id)
            .limit(limit)
        )
        return [(r.conference_id, from_ms(r.deadline_at)) for r in rows]

    # -- sandbox ------------------------------------------------------------------------------

    async def clock_offset_ms(self) -> int:
        value = (
            await self.conn.execute(select(sandbox_state.c.clock_offset_ms).where(sandbox_state.c.id == 1))
        ).scalar_one_or_none()
        return int(value or 0)

    async def set_clock_offset_ms(self, offset_ms: int) -> None:
        await self.conn.execute(
            upsert(self.conn, sandbox_state)
            .values(id=1, clock_offset_ms=offset_ms)
            .on_conflict_do_update(index_elements=[sandbox_state.c.id], set_={"clock_offset_ms": offset_ms})
        )

    async def lock_clock(self) -> int:
        """The stored offset, locked until this transaction ends (advances take turns)."""
        query = select(sandbox_state.c.clock_offset_ms).where(sandbox_state.c.id == 1)
        if self.conn.dialect.name == "postgresql":
            await self.conn.execute(
                upsert(self.conn, sandbox_state).values(id=1, clock_offset_ms=0).on_conflict_do_nothing()
            )
            query = query.with_for_update()
        value = (await self.conn.execute(query)).scalar_one_or_none()
        return int(value or 0)

    async def reset_meetings(self) -> None:
        """Sandbox reset: every meeting, control token, participant and ledger entry goes."""
        for table in (
            download_tokens,
            recordings,
            attendance,
            participants,
            control_tokens,
            ws_tokens,
            webhook_deliveries,
            meeting_events,
            meeting_runs,
            meetings,
            throttles,
        ):
            await self.conn.execute(delete(table))
        # The ledger starts again from empty: webhook delivery starts again from its beginning.
        await self.conn.execute(update(webhook_configs).values(cursor=0))


_NEXT_DEADLINE = select(func.min(meetings.c.deadline_at).label("next_at"))
_DUE = (
    select(meetings)
    .where(meetings.c.deadline_at <= bindparam("until"))
    .order_by(meetings.c.deadline_at, meetings.c.conference_id)
    .limit(bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update()
_DUE_SKIP_LOCKED = _DUE.with_for_update(skip_locked=True)
_PRESENT_COUNTS = (
    select(participants.c.conference_id, participants.c.conf_uuid, func.count())
    .where(
        participants.c.conference_id.in_(bindparam("ids", expanding=True)),
        participants.c.left_at.is_(None),
        participants.c.state == int(SiteState.IN_MEETING),
    )
    .group_by(participants.c.conference_id, participants.c.conf_uuid)
)
_LEAVE_SITES = (
    update(participants)
    .where(
        participants.c.conference_id == bindparam("cid"),
        participants.c.conf_uuid == bindparam("run"),
        participants.c.left_at.is_(None),
    )
    .values(left_at=bindparam("at"), call_expires=null())
)
_CLOSE_SESSIONS = (
    update(attendance)
    .where(
        attendance.c.conference_id == bindparam("cid"),
        attendance.c.conf_uuid == bindparam("run"),
        attendance.c.left_at.is_(None),
    )
    .values(left_at=bindparam("at"))
)
_UPDATE_LOCKED = (
    update(meetings)
    .where(meetings.c.conference_id == bindparam("cid"))
    .values({name: bindparam(name) for name in MEETING_COLUMNS})
)
