"""Enterprise webhooks (reference §7): the admin's subscription use cases, the `meeting.verify`
handshake, turning ledger entries into deliveries, and one delivery attempt."""

from __future__ import annotations

import dataclasses
import logging
import ssl
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from overtime.domain import credentials, errors
from overtime.domain import webhooks as hooks
from overtime.domain.clock import to_ms
from overtime.domain.meeting import EventKind
from overtime.domain.tokens import Role
from overtime.domain.webhooks import WebhookConfig, WebhookOptions, WebhookStatus
from overtime.services.auth import Session
from overtime.services.context import Context
from overtime.storage import webhooks as store
from overtime.storage.webhooks import Delivery, LedgerRow, NewDelivery

log = logging.getLogger("overtime.webhooks")

USER_AGENT = "Overtime-Webhooks/1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
GAP_WAIT_SECONDS = 60.0
"""How long a hole in the ledger's ids is waited for (a transaction that has its id but has not
committed yet) before it is taken for a rolled-back one."""
FAN_OUT_BATCH = 500
CONFIG_ID_LENGTH = 32
"""Config ids are 32 hex digits: anything longer is not looked up (simply not found)."""


def http_client(opts: WebhookOptions) -> httpx.AsyncClient:
    """Verifies subscribers' certificates against the system store plus `ca_file`; no
    redirects, no proxies from the environment."""
    tls = ssl.create_default_context()
    if opts.ca_file is not None:
        tls.load_verify_locations(cafile=str(opts.ca_file))
    return httpx.AsyncClient(
        verify=tls,
        timeout=httpx.Timeout(opts.timeout, connect=opts.connect_timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        headers={"User-Agent": USER_AGENT},
    )


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


async def post(
    client: httpx.AsyncClient,
    url: str,
    signer: hooks.Signer,
    event_info_json: str,
    now: datetime,
    *,
    nonce: str | None = None,
    key: str | None = None,
) -> Answer:
    """One signed callback; transport failures raise httpx.HTTPError."""
    body = signer.body(event_info_json, to_ms(now), nonce or hooks.new_nonce())
    headers = {"Content-Type": "application/json;charset=UTF-8", "X-Request-ID": uuid.uuid4().hex}
    if key is not None:
        headers[IDEMPOTENCY_HEADER] = key
    response = await client.post(url, content=body, headers=headers)
    return Answer(response.status_code, response.content[:4096])


# -- the admin's use cases --------------------------------------------------------------------------


def _require_admin(session: Session, corp_id: str | None = None) -> str:
    account = session.account
    if not account.is_admin or (corp_id and corp_id != account.corp_id):
        raise errors.NotEnterpriseAdmin()
    return account.corp_id


async def set_config(
    ctx: Context, session: Session, *, corp_id: str | None, subscriber_id: str, subscriber_key: str, url: str
) -> WebhookConfig:
    """The corp's subscription becomes this one, disabled until enabled (§7.4)."""
    corp = _require_admin(session, corp_id)
    config = WebhookConfig.new(corp, subscriber_id, subscriber_key, url, ctx.clock.now())
    async with ctx.store.write() as tx:
        await store.replace_config(tx.conn, config)
    return config


async def show_config(ctx: Context, session: Session, *, corp_id: str | None) -> WebhookConfig:
    corp = _require_admin(session, corp_id)
    async with ctx.store.read() as tx:
        config = await store.config_for_corp(tx.conn, corp)
    if config is None:
        raise errors.WebhookConfigNotFound()
    return config


async def _own(ctx: Context, session: Session, config_id: str) -> WebhookConfig:
    corp = _require_admin(session)
    async with ctx.store.read() as tx:
        known = credentials.plausible(config_id, CONFIG_ID_LENGTH)
        config = await store.config_by_id(tx.conn, config_id) if known else None
    if config is None or config.corp_id != corp:
        raise errors.WebhookConfigNotFound()
    return config


async def delete_config(ctx: Context, session: Session, config_id: str) -> None:
    config = await _own(ctx, session, config_id)
    async with ctx.store.write() as tx:
        await store.delete_config(tx.conn, config.id)


async def change_status(ctx: Context, session: Session, config_id: str, status: int) -> None:
    """0 enables after a successful `meeting.verify` handshake; 1 disables; 2 locks."""
    try:
        wanted = WebhookStatus(status)
    except ValueError:
        raise errors.InvalidParameter("status must be 0, 1 or 2.") from None
    config = await _own(ctx, session, config_id)
    if wanted is WebhookStatus.ENABLED:
        await verify(ctx, config)
    async with ctx.store.write() as tx:
        current = await store.config_by_id(tx.conn, config.id, for_update=True)
        if current is None:
            raise errors.WebhookConfigNotFound()
        if wanted is WebhookStatus.ENABLED:
            if current.status is not WebhookStatus.ENABLED:
                await store.enable(tx.conn, config.id)
        else:
            await store.set_status(tx.conn, config.id, wanted)


VERIFY_FAILED = (
    "The subscriber did not answer the meeting.verify handshake correctly; the server log says why."
)
"""The one answer to every failed handshake: whether the host did not resolve, refused the
connection, timed out, failed TLS or answered wrongly stays in the server log, so the enable
route cannot be used to scan which internal hosts and ports are open."""


async def verify(ctx: Context, config: WebhookConfig) -> None:
    """POSTs `meeting.verify`; the subscriber must answer 200 echoing the nonce."""
    now = ctx.clock.now()
    info = hooks.event_info(hooks.VERIFY, to_ms(now), None, None)
    nonce = hooks.new_nonce()
    signer = hooks.Signer(config.subscriber_id, config.subscriber_key)
    try:
        async with http_client(ctx.webhooks) as client:
            answer = await post(client, config.url, signer, info, now, nonce=nonce)
    except httpx.HTTPError as e:
        why = f"could not be reached: {type(e).__name__}: {_describe(e)}"
    else:
        if hooks.verify_answer_ok(answer.status, answer.body, nonce):
            return
        why = f"answered HTTP {answer.status} without the expected nonce"
    log.warning(
        "webhook config %s (corp %s): meeting.verify to %r failed: %s",
        config.id,
        config.corp_id,
        config.url,
        why,
    )
    raise errors.WebhookVerifyFailed(VERIFY_FAILED)


def _describe(e: Exception) -> str:
    text = str(e) or type(e).__name__
    return text[:200]


# -- fan-out: ledger entries become deliveries ------------------------------------------------------


class Gaps:
    """Holes in the ledger's ids seen by this process, and since when (monotonic seconds)."""

    def __init__(self, wait_seconds: float = GAP_WAIT_SECONDS) -> None:
        self.wait_seconds = wait_seconds
        self._seen: dict[int, float] = {}

    def expired(self, missing_id: int) -> bool:
        now = time.monotonic()
        first = self._seen.setdefault(missing_id, now)
        if len(self._seen) > 10_000:
            self._seen = {k: v for k, v in self._seen.items() if now - v < self.wait_seconds * 2}
        return now - first >= self.wait_seconds


def contiguous_top(start: int, ids: Sequence[int], gaps: Gaps) -> int:
    """The highest id up to which every id above `start` is in `ids` or a hole given up on."""
    top = start
    for i in ids:
        if i <= top:
            continue
        if i != top + 1 and not gaps.expired(top + 1):
            break
        top = i
    return top


def _attendee(row: LedgerRow, roles: dict[str, tuple[Role, datetime]]) -> hooks.Attendee:
    participant_id = row.actor.removeprefix("participant:")
    role, joined = roles.get(participant_id, (Role.ATTENDEE, row.at))
    return hooks.Attendee(
        participant_id=participant_id,
        name=row.detail,
        role="CHAIR" if role is Role.CHAIR else "GENERAL",
        join_ms=to_ms(row.at) if row.kind is EventKind.JOINED else to_ms(joined),
        left_ms=to_ms(row.at) if row.kind is EventKind.LEFT else 0,
    )


def _deliveries(
    config: WebhookConfig, row: LedgerRow, roles: dict[str, tuple[Role, datetime]]
) -> list[NewDelivery]:
    names = hooks.event_names(row.kind, row.meeting_kind, row.detail)
    out = []
    for seq, name in enumerate(names):
        attendee = _attendee(row, roles) if row.kind in (EventKind.JOINED, EventKind.LEFT) else None
        prolong = name == hooks.PROLONG
        body = hooks.payload(
            row.conference_id,
            row.conf_uuid,
            attendee=attendee,
            old_end_ms=to_ms(row.old_end) if prolong and row.old_end else None,
            new_end_ms=to_ms(row.new_end) if prolong and row.new_end else None,
            auto=row.kind is EventKind.AUTO_EXTENDED,
            cycle_sub_id=row.cycle_sub_id,
        )
        key = hooks.idempotency_key(config.id, row.id, name)
        out.append(
            NewDelivery(
                config_id=config.id,
                ledger_id=row.id,
                seq=seq,
                conference_id=row.conference_id,
                event=name,
                event_info=hooks.event_info(name, to_ms(row.at), body, key),
                idempotency_key=key,
            )
        )
    return out


async def pending_ledger(ctx: Context) -> bool:
    """Whether an enabled subscription has ledger entries it has not looked at (read only)."""
    async with ctx.store.read() as tx:
        configs = await store.enabled_configs(tx.conn)
        if not configs:
            return False
        return await store.max_ledger_id(tx.conn) != min(c.cursor for c in configs)


async def fan_out(ctx: Context, gaps: Gaps) -> int:
    """Turns new ledger entries of enabled subscriptions' corps into deliveries and moves their
    cursors; returns how many deliveries were added. Replicas never fan out one subscription at
    the same time (its row is locked, others skip it)."""
    added = 0
    async with ctx.store.write() as tx:
        configs = await store.enabled_configs(tx.conn, lock=True)
        if not configs:
            return 0
        top = await store.max_ledger_id(tx.conn)
        for c in [c for c in configs if c.cursor > top]:
            # The ledger was emptied (sandbox reset) and ids start again: so do we.
            await store.rewind(tx.conn, c.id)
        configs = [c if c.cursor <= top else dataclasses.replace(c, cursor=0) for c in configs]
        low = min(c.cursor for c in configs)
        if low >= top:
            return 0
        rows = await store.ledger_after(tx.conn, low, FAN_OUT_BATCH)
        wanted = {c.corp_id for c in configs}
        people = {
            r.actor.removeprefix("participant:")
            for r in rows
            if r.kind in (EventKind.JOINED, EventKind.LEFT) and r.corp_id in wanted
        }
        roles = await store.participant_times(tx.conn, people)
        ids = [r.id for r in rows]
        reach = contiguous_top(low, ids, gaps)
        items: list[NewDelivery] = []
        cursors: dict[str, int] = {}
        for c in configs:
            items += [
                d
                for r in rows
                if r.id > c.cursor and r.corp_id == c.corp_id
                for d in _deliveries(c, r, roles)
            ]
            if reach > c.cursor:
                cursors[c.id] = reach
        await store.insert_deliveries(tx.conn, items, ctx.clock.now())
        await store.set_cursors(tx.conn, cursors)
        added = len(items)
    return added


# -- one delivery attempt -----------------------------------------------------------------------------


async def due(ctx: Context, limit: int, exclude: Sequence[int]) -> list[Delivery]:
    async with ctx.store.read() as tx:
        return await store.due_heads(tx.conn, ctx.clock.now(), limit, exclude)


async def next_due(ctx: Context) -> datetime | None:
    async with ctx.store.read() as tx:
        return await store.next_due(tx.conn)


async def _send(ctx: Context, client: httpx.AsyncClient, d: Delivery) -> str | None:
    """Posts one delivery; None on success, else why it failed."""
    try:
        signer = hooks.Signer(d.subscriber_id, d.subscriber_key)
        answer = await post(client, d.url, signer, d.event_info, ctx.clock.now(), key=d.idempotency_key)
    except httpx.HTTPError as e:
        return f"{type(e).__name__}: {_describe(e)}"
    if 200 <= answer.status < 300:
        return None
    return f"HTTP {answer.status}"


async def _record(ctx: Context, tx_conn: store.Conn, d: Delivery, failure: str | None) -> None:
    now = ctx.clock.now()
    if failure is None:
        await store.delivered(tx_conn, d.id, now)
        return
    first = d.first_attempt_at or now
    retry_at: datetime | None = now + hooks.retry_delay(d.attempts + 1, ctx.webhooks.retry_base_seconds)
    if now - first >= hooks.GIVE_UP_AFTER:
        retry_at = None
        log.warning(
            "webhook %s to %s given up after %d attempts: %s",
            d.idempotency_key,
            d.url,
            d.attempts + 1,
            failure,
        )
    await store.failed_attempt(tx_conn, d.id, now, retry_at=retry_at, error=failure)


async def attempt(ctx: Context, client: httpx.AsyncClient, d: Delivery) -> bool:
    """Tries one delivery and records the outcome; True when it was delivered.

    On PostgreSQL the delivery stays locked (`FOR UPDATE SKIP LOCKED`) from the claim until its
    outcome commits, so no two replicas ever post it at the same time; a replica that dies
    mid-post releases it and another retries. On SQLite one process owns the database and the
    caller keeps it from posting one delivery twice at once."""
    if ctx.store.is_sqlite:
        failure = await _send(ctx, client, d)
        async with ctx.store.write() as tx:
            await _record(ctx, tx.conn, d, failure)
        return failure is None
    async with ctx.store.write() as tx:
        claimed = await store.claim(tx.conn, d.id, ctx.clock.now())
        if claimed is None:
            return False
        failure = await _send(ctx, client, claimed)
        await _record(ctx, tx.conn, claimed, failure)
    return failure is None


async def prune(ctx: Context) -> None:
    async with ctx.store.write() as tx:
        await store.prune(tx.conn, ctx.clock.now() - hooks.GIVE_UP_AFTER * 7)
