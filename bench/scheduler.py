"""bench/scheduler: 10,000 running meetings whose deadlines are spread over one minute, on the
real clock and a real SQLite file, handled by the real deadline loop.

Prints lateness (time the change was committed and published minus its deadline) p50/p99/max,
the CPU seconds used, and the CPU used by the idle server over 60 s; next to a baseline: one
bare asyncio timer per deadline doing no work (the floor for an in-process timer).
Usage: .venv/bin/python bench/scheduler.py [--meetings 10000] [--spread 60] [--idle 60]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from overtime.domain.clock import SystemClock
from overtime.domain.meeting import EventKind, Meeting, MeetingEvent, Policy, validate_spec
from overtime.domain.presence import Participant
from overtime.domain.tokens import Role
from overtime.scheduler.deadlines import Scheduler
from overtime.services.context import Context
from overtime.storage.sql import Store, migrate


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, lateness_ms: list[float], cpu_s: float) -> str:
    return (
        f"{name:<28} {len(lateness_ms):>7} {statistics.median(lateness_ms):>9.1f} "
        f"{pct(lateness_ms, 99):>9.1f} {max(lateness_ms):>9.1f} {cpu_s:>8.2f}"
    )


async def baseline(deadlines: Sequence[datetime]) -> tuple[list[float], float]:
    loop = asyncio.get_running_loop()
    lateness: list[float] = []
    done = asyncio.Event()
    cpu0 = time.process_time()
    offset = time.time() - loop.time()

    def fire(due: float) -> None:
        lateness.append((time.time() - due) * 1000)
        if len(lateness) == len(deadlines):
            done.set()

    for d in deadlines:
        due = d.timestamp()
        loop.call_at(due - offset, fire, due)
    await done.wait()
    return lateness, time.process_time() - cpu0


async def seed(ctx: Context, deadlines: Sequence[datetime]) -> None:
    now = ctx.clock.now()
    spec = validate_spec(
        subject="bench",
        media_types="Voice",
        length=15,
        start=None,
        guest_password=None,
        prolong_step=None,
        allow_guest_start=False,
        now=now,
    )
    async with ctx.store.write() as tx:
        for i, deadline in enumerate(deadlines):
            meeting = Meeting.create(
                spec,
                conference_id=str(100_000_000 + i),
                owner_id="bench",
                corp_id="bench",
                chair_password="111111",
                random_guest_password="222222",
                policy=Policy(),
                now=now,
            )
            meeting.end_at = deadline
            await tx.insert_meeting(meeting)
            if i % 2 == 0:  # half have someone present and auto-extend; half end
                await tx.insert_participant(
                    Participant(
                        uuid.uuid4().hex, meeting.conference_id, meeting.conf_uuid, "p", Role.ATTENDEE, now
                    )
                )


async def overtime_run(
    deadlines: Sequence[datetime], db: Path, idle_s: float
) -> tuple[list[float], float, float]:
    url = f"sqlite:///{db}"
    migrate(url)
    ctx = Context(Store(url), SystemClock())
    await seed(ctx, deadlines)
    lateness: list[float] = []
    done = asyncio.Event()

    async def observe(_conference_id: str, events: Sequence[MeetingEvent]) -> None:
        published = time.time()
        for e in events:
            if e.kind in (EventKind.AUTO_EXTENDED, EventKind.ENDED):
                lateness.append((published - e.at.timestamp()) * 1000)
        if len(lateness) >= len(deadlines):
            done.set()

    ctx.bus.subscribe(observe)
    scheduler = Scheduler(ctx)
    cpu0 = time.process_time()
    task = asyncio.create_task(scheduler.run_forever())
    await asyncio.wait_for(done.wait(), timeout=(max(deadlines) - ctx.clock.now()).total_seconds() + 120)
    busy_cpu = time.process_time() - cpu0
    cpu1 = time.process_time()
    await asyncio.sleep(idle_s)
    idle_cpu = time.process_time() - cpu1
    task.cancel()
    await ctx.store.close()
    return lateness, busy_cpu, idle_cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which deadlines fall")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU measurement")
    args = parser.parse_args()
    rng = random.Random(42)

    def plan(lead_s: float) -> list[datetime]:
        start = SystemClock().now() + timedelta(seconds=lead_s)
        return sorted(start + timedelta(seconds=rng.uniform(0, args.spread)) for _ in range(args.meetings))

    print(f"{args.meetings} deadlines spread over {args.spread:.0f} s on the real clock\n")
    print(f"{'':<28} {'count':>7} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'CPU s':>8}")
    base_late, base_cpu = asyncio.run(baseline(plan(2.0)))
    print(summary("baseline: bare call_at", base_late, base_cpu), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        late, cpu, idle = asyncio.run(overtime_run(plan(20.0), Path(tmp) / "bench.db", args.idle))
    print(summary("overtime: loop + SQLite", late, cpu))
    print(
        f"\nidle server over {args.idle:.0f} s: {idle:.3f} CPU s = {100 * idle / args.idle:.2f}% of one core"
    )
    print(
        f"targets: p99 lateness < 1000 ms -> {'met' if pct(late, 99) < 1000 else 'NOT met'}; "
        f"idle CPU < 1% -> {'met' if idle / args.idle < 0.01 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
