"""Recordings and their download tokens, inside one transaction (BEHAVIOUR §10)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import Meeting
from overtime.domain.recording import Recording
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.rows import like_pattern
from overtime.storage.tables import accounts, download_tokens, recordings


def _row(r: Recording) -> dict[str, Any]:
    return {
        "conf_uuid": r.conf_uuid,
        "conference_id": r.conference_id,
        "corp_id": r.corp_id,
        "owner_id": r.owner_id,
        "subject": r.subject,
        "meeting_start": to_ms(r.meeting_start),
        "rec_start": to_ms(r.rec_start),
        "rec_end": to_ms(r.rec_end),
        "rec_ms": r.rec_ms,
        "record_auth_type": r.record_auth_type,
    }


def _recording(row: Any) -> Recording:
    return Recording(
        conf_uuid=row.conf_uuid,
        conference_id=row.conference_id,
        corp_id=row.corp_id,
        owner_id=row.owner_id,
        subject=row.subject,
        meeting_start=from_ms(row.meeting_start),
        rec_start=from_ms(row.rec_start),
        rec_end=from_ms(row.rec_end),
        rec_ms=row.rec_ms,
        record_auth_type=row.record_auth_type,
    )


class RecordingsTx:
    conn: PgConnection | InLoopConnection

    async def keep_recordings(self, changed: Sequence[Meeting]) -> None:
        """Called wherever meetings are saved: the recordings of runs that ended recorded
        (`Meeting.recorded`, next to their `RECORD_FINISHED` ledger entries)."""
        rows = [_row(r) for m in changed for r in m.recorded]
        if rows:
            await self.conn.execute(insert(recordings), rows)
        for m in changed:
            m.recorded.clear()

    async def recording(self, conf_uuid: str) -> Recording | None:
        row = (await self.conn.execute(select(recordings).where(recordings.c.conf_uuid == conf_uuid))).first()
        return _recording(row) if row else None

    async def search_recordings(
        self,
        *,
        corp_id: str,
        owner_id: str | None,
        since: datetime,
        until: datetime,
        search: str | None,
        descending: bool,
        offset: int,
        limit: int,
    ) -> tuple[int, list[Recording]]:
        """Recordings that started in [since, until], of the corp (or one owner's)."""
        where = [
            recordings.c.corp_id == corp_id,
            recordings.c.rec_start >= to_ms(since),
            recordings.c.rec_start <= to_ms(until),
        ]
        if owner_id is not None:
            where.append(recordings.c.owner_id == owner_id)
        if search:
            pattern = like_pattern(search)
            owners = select(accounts.c.id).where(accounts.c.name.like(pattern, escape="\\"))
            where.append(
                recordings.c.subject.like(pattern, escape="\\")
                | recordings.c.conference_id.like(pattern, escape="\\")
                | recordings.c.owner_id.in_(owners)
            )
        count = (
            await self.conn.execute(select(func.count()).select_from(recordings).where(*where))
        ).scalar_one()
        order = recordings.c.rec_start.desc() if descending else recordings.c.rec_start
        rows = await self.conn.execute(
            select(recordings)
            .where(*where)
            .order_by(order, recordings.c.conf_uuid)
            .offset(offset)
            .limit(limit)
        )
        return int(count), [_recording(r) for r in rows]

    async def delete_recordings(self, conf_uuids: Sequence[str]) -> None:
        await self.conn.execute(
            delete(download_tokens).where(download_tokens.c.conf_uuid.in_(list(conf_uuids)))
        )
        await self.conn.execute(delete(recordings).where(recordings.c.conf_uuid.in_(list(conf_uuids))))

    async def insert_download_tokens(self, tokens: Sequence[tuple[str, str, str, datetime]]) -> None:
        """(digest, conf_uuid, file_type, expires_at) each."""
        if tokens:
            await self.conn.execute(
                insert(download_tokens),
                [
                    {"digest": d, "conf_uuid": c, "file_type": f, "expires_at": to_ms(e)}
                    for d, c, f, e in tokens
                ],
            )

    async def consume_download_token(self, digest: str, now: datetime) -> tuple[str, str] | None:
        """(conf_uuid, file_type) of a live token, which is used up; None otherwise. Expired
        tokens go too."""
        await self.conn.execute(delete(download_tokens).where(download_tokens.c.expires_at <= to_ms(now)))
        row = (
            await self.conn.execute(
                delete(download_tokens)
                .where(download_tokens.c.digest == digest)
                .returning(download_tokens.c.conf_uuid, download_tokens.c.file_type)
            )
        ).first()
        return None if row is None else (row.conf_uuid, row.file_type)
