"""Random sequences of create / activate / join / leave / extend / stop / advance through the
services (real SQLite, fake clock), checking BEHAVIOUR §3's invariants after every step."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import tempfile
import uuid
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from fakes import FakeClock
from overtime.domain.accounts import Account
from overtime.domain.clock import OffsetClock
from overtime.domain.errors import DomainError
from overtime.domain.meeting import EventKind, MeetingState, validate_spec
from overtime.domain.series import validate_cycle, zone
from overtime.domain.tokens import AccessToken
from overtime.services import control, meetings, people, sandbox, series
from overtime.services.auth import Session
from overtime.services.context import Context
from overtime.storage.sql import Store, migrate
from support import create_pg_database, drop_pg_database

T = TypeVar("T")
CAP = timedelta(minutes=1440)
EXTENSIONS = {EventKind.EXTENDED, EventKind.AUTO_EXTENDED}


class LifecycleMachine(RuleBasedStateMachine):
    meetings = Bundle("meetings")

    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp())
        self.pg_url = create_pg_database() if self.backend == "postgresql" else None
        url = self.pg_url or f"sqlite:///{self.dir / 'machine.db'}"
        migrate(url)
        self.clock = OffsetClock(FakeClock())
        self.ctx = Context(Store(url), self.clock)
        self.lock = asyncio.Lock()
        now = self.clock.now()
        account = Account(uuid.uuid4().hex, "owner", "Owner", "corp", False, "", "", now)
        self.session = Session(account, AccessToken("d", "r", account.id, 72, "", now, now, now))
        self.run(self._insert_account(account))
        self.participants: dict[str, list[str]] = {}
        self.frozen: dict[str, tuple[object, ...]] = {}

    async def _insert_account(self, account: Account) -> None:
        async with self.ctx.store.write() as tx:
            await tx.insert_account(account)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.ctx.store.close())
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.pg_url:
            drop_pg_database(self.pg_url)

    def _attempt(self, work: Coroutine[Any, Any, object]) -> None:
        # A refusal is a legal outcome; the invariants check that it changed nothing.
        with contextlib.suppress(DomainError):
            self.run(work)

    # -- rules ------------------------------------------------------------------------------

    @rule(
        target=meetings,
        lead=st.none() | st.integers(0, 180),
        length=st.integers(15, 1440),
        step=st.none() | st.integers(0, 60),
    )
    def create(self, lead: int | None, length: int, step: int | None) -> str:
        now = self.clock.now()
        start = None if lead is None else (now + timedelta(minutes=lead)).replace(second=0, microsecond=0)
        spec = validate_spec(
            subject="m",
            media_types="Voice",
            length=length,
            start=start,
            guest_password=None,
            prolong_step=step,
            allow_guest_start=False,
            now=now,
        )
        meeting, _ = self.run(meetings.create_meeting(self.ctx, self.session, spec))
        self.participants[meeting.conference_id] = []
        return meeting.conference_id

    @rule(
        target=meetings,
        lead=st.integers(0, 180),
        days=st.integers(2, 4),
        length=st.integers(15, 1440),
        step=st.none() | st.integers(0, 60),
    )
    def create_series(self, lead: int, days: int, length: int, step: int | None) -> str:
        """A daily series (BEHAVIOUR §9): its sub-meetings are runs of one conferenceID."""
        now = self.clock.now()
        start = (now + timedelta(minutes=lead)).replace(second=0, microsecond=0)
        spec = validate_spec(
            subject="s",
            media_types="Voice",
            length=length,
            start=start,
            guest_password=None,
            prolong_step=step,
            allow_guest_start=False,
            now=now,
        )
        first = start.astimezone(zone("56")).date()
        cycle = validate_cycle(
            start_date=first.isoformat(),
            end_date=(first + timedelta(days=days - 1)).isoformat(),
            cycle="Day",
            interval=1,
            points=None,
            pre_remind_days=None,
        )
        meeting, _ = self.run(series.create_recurring_meeting(self.ctx, self.session, spec, cycle, "56"))
        self.participants[meeting.conference_id] = []
        return meeting.conference_id

    async def _current_sub(self, conference_id: str) -> str:
        async with self.ctx.store.read() as tx:
            meeting = await tx.meeting(conference_id)
        assert meeting is not None
        return meeting.cycle_sub_id

    @rule(conference_id=meetings, end_running=st.booleans())
    def cancel_sub(self, conference_id: str, end_running: bool) -> None:
        sub = self.run(self._current_sub(conference_id))
        if sub:
            self._attempt(
                series.cancel_recurring_sub_meeting(
                    self.ctx, self.session, conference_id, [sub], end_running=end_running
                )
            )

    async def _password(self, conference_id: str) -> str:
        async with self.ctx.store.read() as tx:
            meeting = await tx.meeting(conference_id)
        assert meeting is not None
        return meeting.chair_password

    @rule(conference_id=meetings)
    def activate(self, conference_id: str) -> None:
        password = self.run(self._password(conference_id))
        self._attempt(meetings.start_meeting(self.ctx, self.session, conference_id, password, "client"))

    @rule(conference_id=meetings)
    def join(self, conference_id: str) -> None:
        try:
            p = self.run(people.join(self.ctx, conference_id, "p", 0))
        except DomainError:
            return
        self.participants[conference_id].append(p.participant_id)

    @rule(conference_id=meetings)
    def leave(self, conference_id: str) -> None:
        if self.participants[conference_id]:
            pid = self.participants[conference_id].pop()
            self._attempt(people.leave(self.ctx, conference_id, pid))

    async def _extend(self, conference_id: str, auto: int, duration: int | None) -> None:
        token = await control.create_conf_token(
            self.ctx,
            conference_id,
            password=await self._password(conference_id),
            current=None,
            client_ip="client",
        )
        await control.prolong_meeting(
            self.ctx, conference_id, token.issued.token, auto=auto, duration=duration
        )

    @rule(
        conference_id=meetings,
        auto=st.sampled_from([0, 1, 2]),
        duration=st.none() | st.integers(-5, 1500),
    )
    def extend(self, conference_id: str, auto: int, duration: int | None) -> None:
        self._attempt(self._extend(conference_id, auto, duration))

    async def _stop(self, conference_id: str) -> None:
        token = await control.create_conf_token(
            self.ctx,
            conference_id,
            password=await self._password(conference_id),
            current=None,
            client_ip="client",
        )
        await control.stop_meeting(self.ctx, conference_id, token.issued.token)

    @rule(conference_id=meetings)
    def stop(self, conference_id: str) -> None:
        self._attempt(self._stop(conference_id))

    @rule(minutes=st.integers(0, 240), seconds=st.integers(0, 59))
    def advance(self, minutes: int, seconds: int) -> None:
        self.run(sandbox.advance(self.ctx, self.lock, minutes * 60 + seconds))
        due = self.run(self._due())
        assert due == [], f"deadlines left unprocessed after an advance: {due}"

    @rule(hours=st.integers(6, 30))
    def advance_hours(self, hours: int) -> None:
        """Long jumps: a series' sub-meetings a day apart run, expire and roll on."""
        self.advance(hours * 60, 0)

    async def _due(self) -> list[tuple[str, Any]]:
        async with self.ctx.store.read() as tx:
            return await tx.due(self.clock.now(), 10)

    # -- invariants -------------------------------------------------------------------------

    async def _snapshot(self) -> list[tuple[Any, list[Any]]]:
        async with self.ctx.store.read() as tx:
            rows = []
            for conference_id in self.participants:
                meeting = await tx.meeting(conference_id)
                rows.append((meeting, await tx.ledger(conference_id)))
            return rows

    async def _runs(self) -> dict[str, list[Any]]:
        async with self.ctx.store.read() as tx:
            runs = {}
            for conference_id in self.participants:
                meeting = await tx.meeting(conference_id)
                archived = await tx.archived_runs(conference_id)
                runs[conference_id] = [*archived, *([meeting] if meeting and meeting.started_at else [])]
            return runs

    @invariant()
    def sub_meetings_never_overlap_as_runs(self) -> None:
        for cid, runs in self.run(self._runs()).items():
            spans = sorted((r.started_at, r.end_at) for r in runs)
            assert len({r.conf_uuid for r in runs}) == len(runs), cid
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert end <= start, f"runs of {cid} overlap"

    @invariant()
    def lifecycle_rules_hold(self) -> None:
        for meeting, ledger in self.run(self._snapshot()):
            cid = meeting.conference_id
            if meeting.started_at is not None:
                assert meeting.end_at is not None
                assert meeting.end_at >= meeting.started_at, cid
                assert meeting.end_at - meeting.started_at <= CAP, cid
            if meeting.state in (MeetingState.RUNNING,) or meeting.ended_reason in ("time_up", "cap_reached"):
                run = [e.event for e in ledger if e.conf_uuid == meeting.conf_uuid]
                extended = sum(((e.new_end - e.old_end) for e in run if e.kind in EXTENSIONS), timedelta())
                assert meeting.started_at is not None and meeting.end_at is not None
                assert (
                    meeting.end_at - (meeting.started_at + timedelta(minutes=meeting.length)) == extended
                ), cid
            if meeting.state is not MeetingState.RUNNING and meeting.state is not MeetingState.SCHEDULED:
                state = (meeting.state, meeting.end_at, meeting.version, len(ledger))
                assert self.frozen.setdefault(cid, state) == state, f"ended meeting {cid} changed"


def test_lifecycle_machine(backend: str) -> None:
    machine = type(f"LifecycleMachine_{backend}", (LifecycleMachine,), {"backend": backend})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
