"""The deadline loop on the real clock: it sleeps until the earliest deadline, and a new,
earlier deadline wakes it (no test sleeps longer than the deadline it waits for)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from overtime.domain.clock import SystemClock
from overtime.domain.meeting import EventKind, Meeting, MeetingEvent, MeetingState, Policy, validate_spec
from overtime.scheduler.deadlines import Scheduler
from overtime.services import lifecycle
from overtime.services.context import Context, Pending
from overtime.storage.sql import Store, migrate
from support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def ctx(backend: str, tmp_path: Path) -> AsyncIterator[Context]:
    url = create_pg_database() if backend == "postgresql" else f"sqlite:///{tmp_path / 'loop.db'}"
    migrate(url)
    context = Context(Store(url), SystemClock())
    yield context
    await context.store.close()
    if backend == "postgresql":
        drop_pg_database(url)


async def running_meeting_ending_in(ctx: Context, delay: timedelta) -> Meeting:
    """A running meeting whose end is `delay` away (shorter than any real length, for speed)."""
    now = ctx.clock.now()
    spec = validate_spec(
        subject="",
        media_types="Voice",
        length=15,
        start=None,
        guest_password=None,
        prolong_step=0,
        allow_guest_start=False,
        now=now,
    )
    meeting = Meeting.create(
        spec,
        conference_id=str(uuid.uuid4().int)[:9],
        owner_id="o",
        corp_id="c",
        chair_password="1",
        random_guest_password="2",
        policy=Policy(),
        now=now,
    )
    meeting.end_at = now + delay
    pending = Pending()
    async with ctx.store.write() as tx:
        await pending.save(tx, meeting, new=True)
    await pending.publish(ctx.bus)
    return meeting


async def wait_until_ended(ctx: Context, conference_id: str, limit_s: float) -> Meeting:
    for _ in range(int(limit_s * 20)):
        async with ctx.store.read() as tx:
            meeting = await tx.meeting(conference_id)
        assert meeting is not None
        if meeting.state is MeetingState.ENDED:
            return meeting
        await asyncio.sleep(0.05)
    raise AssertionError(f"{conference_id} did not end within {limit_s} s")


async def test_loop_ends_a_meeting_at_its_deadline_on_the_real_clock(ctx: Context) -> None:
    scheduler = Scheduler(ctx, poll_seconds=60)
    meeting = await running_meeting_ending_in(ctx, timedelta(milliseconds=700))
    task = asyncio.create_task(scheduler.run_forever())
    try:
        ended = await wait_until_ended(ctx, meeting.conference_id, limit_s=10)
    finally:
        task.cancel()
    assert ended.end_at == meeting.end_at
    async with ctx.store.read() as tx:
        ledger = await tx.ledger(meeting.conference_id)
    assert ledger[-1].event.detail == "time_up" and ledger[-1].event.at == meeting.end_at


async def test_an_earlier_deadline_wakes_a_sleeping_loop(ctx: Context) -> None:
    scheduler = Scheduler(ctx, poll_seconds=3600)
    later = await running_meeting_ending_in(ctx, timedelta(hours=1))
    task = asyncio.create_task(scheduler.run_forever())
    try:
        await asyncio.sleep(0.2)  # the loop is now asleep until the one-hour deadline
        soon = await running_meeting_ending_in(ctx, timedelta(milliseconds=300))
        woke = time.monotonic()
        ended = await wait_until_ended(ctx, soon.conference_id, limit_s=10)
        waited = time.monotonic() - woke
    finally:
        task.cancel()
    # Woken by the new deadline, not by the hour-long poll: ended at its own end, within seconds.
    assert ended.state is MeetingState.ENDED and ended.end_at == soon.end_at
    assert waited < 10, waited
    async with ctx.store.read() as tx:
        untouched = await tx.meeting(later.conference_id)
    assert untouched is not None and untouched.state is not MeetingState.ENDED, "the later one runs on"


async def test_wake_ups_with_nothing_due_write_nothing(ctx: Context) -> None:
    """Every change wakes the loop; unless something is then due, it only re-reads the earliest
    deadline (a read), and never takes the write lock the extend path needs (decision 0006)."""
    scheduler = Scheduler(ctx, poll_seconds=3600)
    await running_meeting_ending_in(ctx, timedelta(hours=1))
    writes = 0
    write = ctx.store.write

    def counting_write() -> Any:
        nonlocal writes
        writes += 1
        return write()

    ctx.store.write = counting_write  # type: ignore[method-assign]
    task = asyncio.create_task(scheduler.run_forever())
    try:
        await asyncio.sleep(0.2)
        for _ in range(10):
            scheduler.wake()
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert writes == 0, writes


async def test_a_pass_applies_more_than_one_batch_and_tells_the_next_deadline(ctx: Context) -> None:
    due = [await running_meeting_ending_in(ctx, timedelta(milliseconds=1)) for _ in range(5)]
    later = await running_meeting_ending_in(ctx, timedelta(hours=1))
    await asyncio.sleep(0.05)
    applied, following = await lifecycle.apply_due(ctx, ctx.clock.now(), batch=2)
    assert applied == 5
    assert following == later.end_at
    for meeting in due:
        ended = await wait_until_ended(ctx, meeting.conference_id, limit_s=1)
        assert ended.end_at == meeting.end_at


async def test_a_sparse_deadline_is_applied_when_it_falls_due(ctx: Context) -> None:
    """The loop sleeps exactly until the earliest deadline: a lone deadline is applied within a
    tick of its time, not at the next poll."""
    scheduler = Scheduler(ctx, poll_seconds=3600)
    task = asyncio.create_task(scheduler.run_forever())
    seen: list[float] = []

    async def observe(_conference_id: str, events: Sequence[MeetingEvent]) -> None:
        seen.extend(time.time() - e.at.timestamp() for e in events if e.kind is EventKind.ENDED)

    ctx.bus.subscribe(observe)
    try:
        await asyncio.sleep(0.1)
        await running_meeting_ending_in(ctx, timedelta(milliseconds=400))
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert seen and 0 <= seen[0] < 0.5, seen
