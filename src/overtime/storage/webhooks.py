"""Webhook storage: subscriptions and the delivery outbox. Functions take the connection of an
open transaction (`tx.conn`), so they join whatever transaction the caller runs.

`meeting_events` (the ledger) is the transactional outbox: meeting changes never write here.
The dispatcher turns new ledger entries into `webhook_deliveries` rows (one per callback event,
unique per subscription, ledger id and sequence) and works through them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from overtime.domain.clock import from_ms, to_ms
from overtime.domain.meeting import EventKind, MeetingKind
from overtime.domain.tokens import Role
from overtime.domain.webhooks import WebhookConfig, WebhookStatus
from overtime.storage.raw import InLoopConnection, PgConnection
from overtime.storage.tables import (
    meeting_events,
    meetings,
    participants,
    webhook_configs,
    webhook_deliveries,
)

Conn = PgConnection | InLoopConnection

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


def _is_pg(conn: Conn) -> bool:
    return conn.dialect.name == "postgresql"


def _config(row: Any) -> WebhookConfig:
    return WebhookConfig(
        id=row.id,
        corp_id=row.corp_id,
        subscriber_id=row.subscriber_id,
        subscriber_key=row.subscriber_key,
        url=row.url,
        status=WebhookStatus(row.status),
        created_at=from_ms(row.created_at),
        cursor=int(row.cursor),
    )


# -- subscriptions --------------------------------------------------------------------------------


async def config_for_corp(conn: Conn, corp_id: str) -> WebhookConfig | None:
    row = (await conn.execute(select(webhook_configs).where(webhook_configs.c.corp_id == corp_id))).first()
    return _config(row) if row else None


async def config_by_id(conn: Conn, config_id: str, *, for_update: bool = False) -> WebhookConfig | None:
    query = select(webhook_configs).where(webhook_configs.c.id == config_id)
    if for_update and _is_pg(conn):
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _config(row) if row else None


async def replace_config(conn: Conn, config: WebhookConfig) -> None:
    """The corp's only subscription becomes `config`; an older one and its deliveries go."""
    old = (
        await conn.execute(
            select(webhook_configs.c.id).where(webhook_configs.c.corp_id == config.corp_id).with_for_update()
            if _is_pg(conn)
            else select(webhook_configs.c.id).where(webhook_configs.c.corp_id == config.corp_id)
        )
    ).first()
    if old is not None:
        await delete_config(conn, old.id)
    await conn.execute(
        insert(webhook_configs).values(
            id=config.id,
            corp_id=config.corp_id,
            subscriber_id=config.subscriber_id,
            subscriber_key=config.subscriber_key,
            url=config.url,
            status=int(config.status),
            cursor=config.cursor,
            created_at=to_ms(config.created_at),
        )
    )


async def delete_config(conn: Conn, config_id: str) -> None:
    await conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.config_id == config_id))
    await conn.execute(delete(webhook_configs).where(webhook_configs.c.id == config_id))


async def set_status(conn: Conn, config_id: str, status: WebhookStatus) -> None:
    await conn.execute(
        update(webhook_configs).where(webhook_configs.c.id == config_id).values(status=int(status))
    )


async def enable(conn: Conn, config_id: str) -> None:
    """Enabled from now on: only ledger entries written after this commit are delivered, and
    whatever was still pending from an earlier enabled period is dropped."""
    top = await max_ledger_id(conn)
    await conn.execute(
        delete(webhook_deliveries).where(
            webhook_deliveries.c.config_id == config_id, webhook_deliveries.c.state == PENDING
        )
    )
    await conn.execute(
        update(webhook_configs)
        .where(webhook_configs.c.id == config_id)
        .values(status=int(WebhookStatus.ENABLED), cursor=top)
    )


async def enabled_configs(conn: Conn, *, lock: bool = False) -> list[WebhookConfig]:
    """Enabled subscriptions; with `lock` on PostgreSQL, those no other replica is fanning out
    right now, locked for this transaction."""
    query = (
        select(webhook_configs)
        .where(webhook_configs.c.status == int(WebhookStatus.ENABLED))
        .order_by(webhook_configs.c.id)
    )
    if lock and _is_pg(conn):
        query = query.with_for_update(skip_locked=True)
    return [_config(r) for r in await conn.execute(query)]


async def rewind(conn: Conn, config_id: str) -> None:
    """The ledger was emptied (sandbox reset) and its ids start again: so does the cursor, and
    the deliveries of the vanished entries go."""
    await conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.config_id == config_id))
    await conn.execute(update(webhook_configs).where(webhook_configs.c.id == config_id).values(cursor=0))


async def set_cursors(conn: Conn, cursors: dict[str, int]) -> None:
    for config_id, cursor in cursors.items():
        await conn.execute(
            update(webhook_configs).where(webhook_configs.c.id == config_id).values(cursor=cursor)
        )


# -- the ledger, as the outbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    id: int
    conference_id: str
    conf_uuid: str
    at: datetime
    kind: EventKind
    actor: str
    old_end: datetime | None
    new_end: datetime | None
    detail: str
    corp_id: str | None
    """None when the meeting row is gone (sandbox reset)."""
    meeting_kind: MeetingKind | None
    cycle_sub_id: str = ""
    """A recurring meeting's sub-meeting of this entry (`meetingCycleSubID`)."""


async def max_ledger_id(conn: Conn) -> int:
    value = (await conn.execute(select(func.max(meeting_events.c.id)))).scalar_one()
    return int(value or 0)


async def ledger_after(conn: Conn, after_id: int, limit: int) -> list[LedgerRow]:
    """Ledger entries with ids above `after_id`, oldest first, with their meeting's corp."""
    rows = await conn.execute(
        select(meeting_events, meetings.c.corp_id, meetings.c.kind.label("meeting_kind"))
        .select_from(
            meeting_events.outerjoin(meetings, meetings.c.conference_id == meeting_events.c.conference_id)
        )
        .where(meeting_events.c.id > after_id)
        .order_by(meeting_events.c.id)
        .limit(limit)
    )
    return [
        LedgerRow(
            id=int(r.id),
            conference_id=r.conference_id,
            conf_uuid=r.conf_uuid,
            at=from_ms(r.at),
            kind=EventKind(r.kind),
            actor=r.actor,
            old_end=None if r.old_end is None else from_ms(r.old_end),
            new_end=None if r.new_end is None else from_ms(r.new_end),
            detail=r.detail,
            corp_id=r.corp_id,
            meeting_kind=None if r.meeting_kind is None else MeetingKind(r.meeting_kind),
            cycle_sub_id=r.cycle_sub_id,
        )
        for r in rows
    ]


async def participant_times(conn: Conn, ids: Collection[str]) -> dict[str, tuple[Role, datetime]]:
    """Role and join time of each participant id."""
    if not ids:
        return {}
    rows = await conn.execute(
        select(participants.c.participant_id, participants.c.role, participants.c.joined_at).where(
            participants.c.participant_id.in_(list(ids))
        )
    )
    return {r.participant_id: (Role(r.role), from_ms(r.joined_at)) for r in rows}


# -- deliveries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewDelivery:
    config_id: str
    ledger_id: int
    seq: int
    conference_id: str
    event: str
    event_info: str
    idempotency_key: str


@dataclass(frozen=True)
class Delivery:
    id: int
    config_id: str
    ledger_id: int
    seq: int
    conference_id: str
    event: str
    event_info: str
    idempotency_key: str
    attempts: int
    first_attempt_at: datetime | None
    url: str
    subscriber_id: str
    subscriber_key: str


async def insert_deliveries(conn: Conn, items: Sequence[NewDelivery], now: datetime) -> None:
    """Adds deliveries, due now; one already there (same subscription, entry, sequence) stays."""
    if not items:
        return
    insert_fn = postgresql.insert if _is_pg(conn) else sqlite.insert
    await conn.execute(
        insert_fn(webhook_deliveries).on_conflict_do_nothing(
            index_elements=["config_id", "ledger_id", "seq"]
        ),
        [
            {
                "config_id": d.config_id,
                "ledger_id": d.ledger_id,
                "seq": d.seq,
                "conference_id": d.conference_id,
                "event": d.event,
                "event_info": d.event_info,
                "idempotency_key": d.idempotency_key,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": to_ms(now),
                "first_attempt_at": None,
                "done_at": None,
                "last_error": "",
            }
            for d in items
        ],
    )


def _heads(now: datetime | None) -> Any:
    """Pending deliveries that are due and come first for their (subscription, meeting): an
    undelivered earlier event holds back the later ones of the same meeting."""
    d = webhook_deliveries
    p = aliased(webhook_deliveries, name="earlier")
    earlier = exists().where(
        p.c.config_id == d.c.config_id,
        p.c.conference_id == d.c.conference_id,
        p.c.state == PENDING,
        or_(p.c.ledger_id < d.c.ledger_id, and_(p.c.ledger_id == d.c.ledger_id, p.c.seq < d.c.seq)),
    )
    query = (
        select(
            d,
            webhook_configs.c.url,
            webhook_configs.c.subscriber_id,
            webhook_configs.c.subscriber_key,
        )
        .select_from(d.join(webhook_configs, webhook_configs.c.id == d.c.config_id))
        .where(webhook_configs.c.status == int(WebhookStatus.ENABLED), d.c.state == PENDING, ~earlier)
    )
    return query if now is None else query.where(d.c.next_attempt_at <= to_ms(now))


def _delivery(r: Any) -> Delivery:
    return Delivery(
        id=int(r.id),
        config_id=r.config_id,
        ledger_id=int(r.ledger_id),
        seq=int(r.seq),
        conference_id=r.conference_id,
        event=r.event,
        event_info=r.event_info,
        idempotency_key=r.idempotency_key,
        attempts=int(r.attempts),
        first_attempt_at=None if r.first_attempt_at is None else from_ms(r.first_attempt_at),
        url=r.url,
        subscriber_id=r.subscriber_id,
        subscriber_key=r.subscriber_key,
    )


async def due_heads(conn: Conn, now: datetime, limit: int, exclude: Collection[int] = ()) -> list[Delivery]:
    """Up to `limit` deliveries to attempt now (at most one per subscription and meeting); on
    PostgreSQL without those another replica is posting right now."""
    query = _heads(now).order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id).limit(limit)
    if exclude:
        query = query.where(webhook_deliveries.c.id.not_in(list(exclude)))
    if _is_pg(conn):
        query = query.with_for_update(of=webhook_deliveries, skip_locked=True)
    return [_delivery(r) for r in await conn.execute(query)]


async def claim(conn: Conn, delivery_id: int, now: datetime) -> Delivery | None:
    """PostgreSQL: locks one delivery for this transaction if it is still due and first in line
    and no other replica holds it (`FOR UPDATE SKIP LOCKED`); None otherwise."""
    query = (
        _heads(now)
        .where(webhook_deliveries.c.id == delivery_id)
        .with_for_update(of=webhook_deliveries, skip_locked=True)
    )
    row = (await conn.execute(query)).first()
    return _delivery(row) if row else None


async def next_due(conn: Conn) -> datetime | None:
    """When the earliest delivery that is first in line for its meeting falls due."""
    heads = _heads(None).subquery()
    value = (await conn.execute(select(func.min(heads.c.next_attempt_at)))).scalar_one()
    return None if value is None else from_ms(int(value))


async def delivered(conn: Conn, delivery_id: int, now: datetime) -> None:
    await conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.state == PENDING)
        .values(
            state=DELIVERED,
            attempts=webhook_deliveries.c.attempts + 1,
            done_at=to_ms(now),
            first_attempt_at=func.coalesce(webhook_deliveries.c.first_attempt_at, to_ms(now)),
            last_error="",
        )
    )


async def failed_attempt(
    conn: Conn, delivery_id: int, now: datetime, *, retry_at: datetime | None, error: str
) -> None:
    """Records a failed attempt: retried at `retry_at`, or given up for good when None."""
    values: dict[str, Any] = {
        "attempts": webhook_deliveries.c.attempts + 1,
        "first_attempt_at": func.coalesce(webhook_deliveries.c.first_attempt_at, to_ms(now)),
        "last_error": error[:255],
    }
    if retry_at is None:
        values.update(state=FAILED, done_at=to_ms(now))
    else:
        values["next_attempt_at"] = to_ms(retry_at)
    await conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.state == PENDING)
        .values(values)
    )


async def prune(conn: Conn, before: datetime, limit: int = 1000) -> None:
    """Forgets finished deliveries done before `before` whose ledger entry every cursor passed."""
    low = (await conn.execute(select(func.min(webhook_configs.c.cursor)))).scalar_one()
    if low is None:
        return
    victims = (
        select(webhook_deliveries.c.id)
        .where(
            webhook_deliveries.c.state != PENDING,
            webhook_deliveries.c.done_at < to_ms(before),
            webhook_deliveries.c.ledger_id <= int(low),
        )
        .limit(limit)
    )
    await conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.id.in_(victims)))
