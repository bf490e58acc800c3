"""Meetings, their ledger, control tokens and WebSocket tokens, inside one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import true as sa_true
from sqlalchemy.exc import IntegrityError

from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import EventKind, Meeting, MeetingEvent, MeetingState
from overtime.domain.tokens import ControlToken, Role
from overtime.storage.errors import StaleWrite
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import (
    INSERT_EVENTS,
    SELECT_CONTROL_TOKEN,
    SELECT_MEETING,
    SELECT_MEETING_LOCKED,
    UPDATE_MEETING,
    LedgerEntry,
    MeetingQuery,
    control_token_from_row,
    dt_or_none,
    event_rows,
    like_pattern,
    meeting_from_row,
    meeting_row_values,
    run_row_values,
)
from overtime.storage.tables import (
    accounts,
    control_tokens,
    meeting_events,
    meeting_runs,
    meetings,
    ws_tokens,
)
from overtime.storage.tx_recordings import RecordingsTx


class MeetingsTx(RecordingsTx):
    conn: PgConnection | InLoopConnection

    # -- meetings -----------------------------------------------------------------------------

    async def conference_id_taken(self, conference_id: str) -> bool:
        row = (
            await self.conn.execute(
                select(meetings.c.conference_id).where(meetings.c.conference_id == conference_id)
            )
        ).first()
        return row is not None

    async def insert_meeting(self, m: Meeting) -> None:
        try:
            await self.conn.execute(
                insert(meetings).values(
                    conference_id=m.conference_id, version=m.version, **meeting_row_values(m)
                )
            )
        except IntegrityError as e:
            raise StaleWrite(m.conference_id) from e
        await self._append_events(m)

    async def meeting_by_run(self, conf_uuid: str) -> Meeting | None:
        """The meeting row of a run, or an archived series run (`meeting_runs`)."""
        row = (await self.conn.execute(select(meetings).where(meetings.c.conf_uuid == conf_uuid))).first()
        if row is None:
            row = (
                await self.conn.execute(select(meeting_runs).where(meeting_runs.c.conf_uuid == conf_uuid))
            ).first()
        return meeting_from_row(row) if row else None

    async def archived_runs(self, conference_id: str) -> list[Meeting]:
        """A series' runs that ended before it moved on, in the order they ran."""
        rows = await self.conn.execute(
            select(meeting_runs)
            .where(meeting_runs.c.conference_id == conference_id)
            .order_by(meeting_runs.c.started_at)
        )
        return [meeting_from_row(r) for r in rows]

    async def archive_runs(self, m: Meeting) -> None:
        """Writes the series runs that ended in this change to `meeting_runs`."""
        if m.archived:
            await self.conn.execute(insert(meeting_runs), [run_row_values(run) for run in m.archived])
            m.archived.clear()

    async def meeting(self, conference_id: str, *, for_update: bool = False) -> Meeting | None:
        locked = for_update and self.conn.dialect.name == "postgresql"
        query = SELECT_MEETING_LOCKED if locked else SELECT_MEETING
        row = await self.conn.fetch_one(query, {"cid": conference_id})
        return meeting_from_row(row) if row else None

    async def save_meeting(self, m: Meeting) -> None:
        """Writes a changed meeting and its new ledger entries; StaleWrite if it moved on."""
        rowcount = await self.conn.run(
            UPDATE_MEETING,
            {
                "cid": m.conference_id,
                "expected": m.version,
                **meeting_row_values(m),
                "version": m.version + 1,
            },
        )
        if rowcount != 1:
            raise StaleWrite(m.conference_id)
        m.version += 1
        await self._append_events(m)
        await self.archive_runs(m)

    async def _append_events(self, m: Meeting) -> None:
        if not m.events:
            return
        await self.conn.run_many(INSERT_EVENTS, event_rows(m))
        await self.keep_recordings([m])
        m.events.clear()

    async def ledger(self, conference_id: str) -> list[LedgerEntry]:
        rows = await self.conn.execute(
            select(meeting_events)
            .where(meeting_events.c.conference_id == conference_id)
            .order_by(meeting_events.c.id)
        )
        return [
            LedgerEntry(
                r.conf_uuid,
                MeetingEvent(
                    EventKind(r.kind),
                    from_ms(r.at),
                    r.actor,
                    dt_or_none(r.old_end),
                    dt_or_none(r.new_end),
                    r.detail,
                ),
            )
            for r in rows
        ]

    async def search_meetings(self, q: MeetingQuery) -> tuple[int, list[Meeting]]:
        """One page of meetings; asking for ended ones also reads the archived series runs
        (`meeting_runs`, the same columns), in one UNION so paging stays in SQL."""
        source: Any = meetings
        if MeetingState.ENDED in q.states:
            source = union_all(
                select(meetings).where(self._where(meetings, q)),
                select(meeting_runs).where(self._where(meeting_runs, q)),
            ).subquery("runs")
            cond: Any = sa_true()
        else:
            cond = self._where(meetings, q)
        total = (await self.conn.execute(select(func.count()).select_from(source).where(cond))).scalar_one()
        order = source.c.scheduled_start.desc() if q.descending else source.c.scheduled_start
        rows = await self.conn.execute(
            select(source)
            .where(cond)
            .order_by(order, source.c.conference_id, source.c.conf_uuid)
            .offset(q.offset)
            .limit(q.limit)
        )
        return int(total), [meeting_from_row(r) for r in rows]

    @staticmethod
    def _where(t: Any, q: MeetingQuery) -> Any:
        where = [t.c.state.in_([s.value for s in q.states]), t.c.corp_id == q.corp_id]
        if q.owner_id is not None:
            where.append(t.c.owner_id == q.owner_id)
        if q.ran_from is not None and q.ran_to is not None:
            where += [t.c.started_at <= to_ms(q.ran_to), t.c.end_at >= to_ms(q.ran_from)]
        if q.search:
            pattern = like_pattern(q.search)
            owners = select(accounts.c.id).where(accounts.c.name.like(pattern, escape="\\"))
            where.append(
                or_(
                    t.c.subject.like(pattern, escape="\\"),
                    t.c.conference_id.like(pattern, escape="\\"),
                    t.c.owner_id.in_(owners),
                )
            )
        return and_(*where)

    # -- control tokens -----------------------------------------------------------------------

    async def insert_control_token(self, t: ControlToken) -> None:
        await self.conn.execute(
            insert(control_tokens).values(
                digest=t.digest,
                conference_id=t.conference_id,
                conf_uuid=t.conf_uuid,
                role=int(t.role),
                created_at=to_ms(t.created_at),
                expires_at=to_ms(t.expires_at),
            )
        )

    async def control_token(self, digest: str) -> ControlToken | None:
        row = await self.conn.fetch_one(SELECT_CONTROL_TOKEN, {"digest": digest})
        return control_token_from_row(row) if row else None

    async def insert_ws_token(
        self, digest: str, conference_id: str, conf_uuid: str, role: Role, expires_at: datetime
    ) -> None:
        await self.conn.execute(
            insert(ws_tokens).values(
                digest=digest,
                conference_id=conference_id,
                conf_uuid=conf_uuid,
                role=int(role),
                expires_at=to_ms(expires_at),
            )
        )

    async def consume_ws_token(
        self, digest: str, conference_id: str, now: datetime
    ) -> tuple[str, Role] | None:
        """Uses a WebSocket token up: (run, role) if it was live and for this meeting, else None.
        Expired tokens are swept on the way."""
        await self.conn.execute(delete(ws_tokens).where(ws_tokens.c.expires_at <= to_ms(now)))
        row = (
            await self.conn.execute(
                delete(ws_tokens)
                .where(ws_tokens.c.digest == digest, ws_tokens.c.conference_id == conference_id)
                .returning(ws_tokens.c.conf_uuid, ws_tokens.c.role)
            )
        ).first()
        return (row.conf_uuid, Role(row.role)) if row else None

    async def renew_control_token(self, digest: str, expires_at: datetime) -> None:
        await self.conn.execute(
            update(control_tokens)
            .where(control_tokens.c.digest == digest)
            .values(expires_at=to_ms(expires_at))
        )
