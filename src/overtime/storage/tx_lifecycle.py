"""Presence, due deadlines and the sandbox's state, inside one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import Meeting
from overtime.domain.presence import Participant
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import (
    MEETING_COLUMNS,
    event_rows,
    meeting_from_row,
    meeting_row_values,
    ms_or_none,
    participant_from_row,
    upsert,
)
from overtime.storage.tables import (
    control_tokens,
    meeting_events,
    meetings,
    participants,
    sandbox_state,
    throttles,
    webhook_configs,
    webhook_deliveries,
    ws_tokens,
)


class LifecycleTx:
    conn: PgConnection | InLoopConnection

    # -- presence -----------------------------------------------------------------------------

    async def insert_participant(self, p: Participant) -> None:
        await self.conn.execute(
            insert(participants).values(
                participant_id=p.participant_id,
                conference_id=p.conference_id,
                conf_uuid=p.conf_uuid,
                name=p.name,
                role=int(p.role),
                joined_at=to_ms(p.joined_at),
                left_at=ms_or_none(p.left_at),
            )
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

    async def present_count(self, conference_id: str, conf_uuid: str) -> int:
        count = (
            await self.conn.execute(
                select(func.count())
                .select_from(participants)
                .where(
                    participants.c.conference_id == conference_id,
                    participants.c.conf_uuid == conf_uuid,
                    participants.c.left_at.is_(None),
                )
            )
        ).scalar_one()
        return int(count)

    async def leave(self, participant_id: str, at: datetime) -> None:
        await self.conn.execute(
            update(participants)
            .where(participants.c.participant_id == participant_id, participants.c.left_at.is_(None))
            .values(left_at=to_ms(at))
        )

    async def leave_all(self, conference_id: str, conf_uuid: str, at: datetime) -> None:
        await self.conn.execute(
            update(participants)
            .where(
                participants.c.conference_id == conference_id,
                participants.c.conf_uuid == conf_uuid,
                participants.c.left_at.is_(None),
            )
            .values(left_at=to_ms(at))
        )

    # -- deadlines ----------------------------------------------------------------------------

    async def next_deadline(self) -> datetime | None:
        ms = (await self.conn.execute(select(func.min(meetings.c.deadline_at)))).scalar_one()
        return None if ms is None else from_ms(int(ms))

    async def meetings_due(self, until: datetime, limit: int, *, skip_locked: bool = True) -> list[Meeting]:
        """Up to `limit` meetings whose deadline is at or before `until`, earliest first, locked
        for this transaction. On PostgreSQL, rows another replica holds are skipped, or with
        `skip_locked=False` waited for (and re-checked once free)."""
        query = (
            select(meetings)
            .where(meetings.c.deadline_at <= to_ms(until))
            .order_by(meetings.c.deadline_at, meetings.c.conference_id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=skip_locked)
        return [meeting_from_row(r) for r in await self.conn.execute(query)]

    async def present_counts(self, runs: Sequence[tuple[str, str]]) -> dict[str, int]:
        """How many are present in each (conference_id, conf_uuid) run."""
        if not runs:
            return {}
        wanted = dict(runs)
        rows = await self.conn.execute(
            select(participants.c.conference_id, participants.c.conf_uuid, func.count())
            .where(participants.c.conference_id.in_(list(wanted)), participants.c.left_at.is_(None))
            .group_by(participants.c.conference_id, participants.c.conf_uuid)
        )
        return {r[0]: int(r[2]) for r in rows if wanted.get(r[0]) == r[1]}

    async def leave_runs(self, runs: Sequence[tuple[str, str, datetime]]) -> None:
        """Everyone still present in each (conference_id, conf_uuid) run leaves at its time."""
        if not runs:
            return
        await self.conn.execute(
            update(participants)
            .where(
                participants.c.conference_id == bindparam("cid"),
                participants.c.conf_uuid == bindparam("run"),
                participants.c.left_at.is_(None),
            )
            .values(left_at=bindparam("at")),
            [{"cid": cid, "run": run, "at": to_ms(at)} for cid, run, at in runs],
        )

    async def save_locked_meetings(self, changed: Sequence[Meeting]) -> None:
        """Writes meetings this transaction holds locked (read by `meetings_due`), with their
        new ledger entries, in a few statements whatever their number."""
        if not changed:
            return
        await self.conn.execute(
            update(meetings)
            .where(meetings.c.conference_id == bindparam("cid"))
            .values({name: bindparam(name) for name in MEETING_COLUMNS}),
            [{"cid": m.conference_id, **meeting_row_values(m), "version": m.version + 1} for m in changed],
        )
        rows = [row for m in changed for row in event_rows(m)]
        if rows:
            await self.conn.execute(insert(meeting_events), rows)
        for m in changed:
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
            participants,
            control_tokens,
            ws_tokens,
            webhook_deliveries,
            meeting_events,
            meetings,
            throttles,
        ):
            await self.conn.execute(delete(table))
        # The ledger starts again from empty: webhook delivery starts again from its beginning.
        await self.conn.execute(update(webhook_configs).values(cursor=0))
