"""Random sequences of the people of running meetings through the services (BEHAVIOUR §8), on
real SQLite and PostgreSQL with a fake clock: sandbox joins (numbers, passwords, as host),
leaving, invitations answered, declined or left to ring out at 60 s, the host's operations
(control token of role 1), the waiting room, the lock, and the clock moving meetings to their
end or auto-extension. The invariants, read from the store after every step, are §3's presence
rule and §8's rules on hosts, co-hosts, calls and attendance."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from fakes import FakeClock
from overtime.domain.accounts import Account
from overtime.domain.clock import OffsetClock, from_ms, to_ms
from overtime.domain.errors import DomainError
from overtime.domain.meeting import EndReason, EventKind, MeetingState, validate_spec
from overtime.domain.presence import SiteState
from overtime.domain.room import CALL_TIMEOUT, Room
from overtime.domain.room_state import Invitee
from overtime.domain.tokens import AccessToken
from overtime.services import control, meetings, people, sandbox
from overtime.services.auth import Session
from overtime.services.context import Context
from overtime.storage.sql import Store, Tx, migrate
from overtime.storage.tables import attendance, participants, recordings
from support import create_pg_database, drop_pg_database

T = TypeVar("T")
NUMBERS = ["100", "200", "300", "400"]
UNKNOWN = "f" * 32
PICK = st.integers(0, 15)
"""Which known site a rule acts on (modulo how many there are); 15 stands for an unknown id."""


def _note(outcome: str) -> None:
    """Counts outcomes for `--hypothesis-show-statistics`-style tallies (a no-op outside a run)."""
    if currently_in_test_context():
        event(outcome)


@dataclass
class Known:
    chair: str
    guest: str
    pids: list[str]


@dataclass(frozen=True)
class Stored:
    """One meeting as the store has it."""

    meeting: Any
    ledger: list[Any]
    sites: list[Any]
    """Every site row of every run, in participant_id order."""
    sessions: list[Any]
    """Every attendance row, in id order."""
    present_count: int


class PeopleMachine(RuleBasedStateMachine):
    meetings = Bundle("meetings")

    url = ""
    """The database: one per backend for the whole test, emptied for each example."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = OffsetClock(FakeClock())
        self.ctx = Context(Store(self.url), self.clock)
        self.lock = asyncio.Lock()
        now = self.clock.now()
        account = Account(uuid.uuid4().hex, uuid.uuid4().hex, "Owner", "corp", False, "", "", now)
        self.session = Session(account, AccessToken("d", "r", account.id, 72, "", now, now, now))
        self.run(self._fresh(account))
        self.known: dict[str, Known] = {}
        self.frozen: dict[str, object] = {}
        self.seen: dict[str, Stored] = {}
        """The store as last read, per meeting, until a change (saves reads)."""
        self.tokens: dict[str, tuple[str, datetime]] = {}
        """A chair control token per meeting, and when to stop using it."""

    async def _fresh(self, account: Account) -> None:
        async with self.ctx.store.write() as tx:
            await tx.reset_meetings()
            await tx.set_clock_offset_ms(0)
            await tx.insert_account(account)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.ctx.store.close())
        self.loop.close()

    # -- reading the store ----------------------------------------------------------------------

    async def _stored(self, tx: Tx, conference_id: str) -> Stored:
        meeting = await tx.meeting(conference_id)
        assert meeting is not None
        sites = list(
            await tx.conn.execute(
                select(participants)
                .where(participants.c.conference_id == conference_id)
                .order_by(participants.c.participant_id)
            )
        )
        sessions = list(
            await tx.conn.execute(
                select(attendance)
                .where(attendance.c.conference_id == conference_id)
                .order_by(attendance.c.id)
            )
        )
        counts = await tx.present_counts([(conference_id, meeting.conf_uuid)]) if meeting.conf_uuid else {}
        return Stored(meeting, await tx.ledger(conference_id), sites, sessions, counts.get(conference_id, 0))

    async def _read(self, conference_id: str) -> Stored:
        async with self.ctx.store.read() as tx:
            return await self._stored(tx, conference_id)

    async def _read_all(self) -> list[Stored]:
        async with self.ctx.store.read() as tx:
            return [await self._stored(tx, cid) for cid in self.known]

    def _current(self, conference_id: str) -> Stored:
        stored = self.seen.get(conference_id)
        if stored is None:
            stored = self.seen[conference_id] = self.run(self._read(conference_id))
        return stored

    @staticmethod
    def _fingerprint(s: Stored) -> object:
        m = s.meeting
        return (
            m.state,
            m.end_at,
            m.version,
            m.room,
            len(s.ledger),
            [tuple(r) for r in s.sites],
            [tuple(r) for r in s.sessions],
        )

    def _pid(self, conference_id: str, pick: int, *states: SiteState) -> str:
        """A present site (in one of `states`, when given) most of the time, else any site
        this meeting ever had (maybe gone), else an id nobody has."""
        pids = self.known[conference_id].pids
        if pick < 12:
            stored = self._current(conference_id)
            present = {
                r.participant_id
                for r in stored.sites
                if r.left_at is None and (not states or r.state in states)
            }
            # In the order the machine met them (ids are random): replays pick the same site.
            candidates = list(dict.fromkeys(p for p in pids if p in present))
            if candidates:
                return candidates[pick % len(candidates)]
        return UNKNOWN if pick == 15 or not pids else pids[pick % len(pids)]

    # -- doing --------------------------------------------------------------------------------

    def _attempt(
        self, conference_id: str, work: Callable[[], Coroutine[Any, Any, T]], what: str = ""
    ) -> T | None:
        """Runs `work`; a refusal is a legal outcome that must have changed nothing stored."""
        what = what or sys._getframe(1).f_code.co_name
        before = self._fingerprint(self._current(conference_id))
        try:
            result = self.run(work())
        except DomainError as e:
            _note(f"{what}: {type(e).__name__}")
            after = self.seen[conference_id] = self.run(self._read(conference_id))
            assert self._fingerprint(after) == before, (
                f"{what} refused ({type(e).__name__}) but changed {conference_id}"
            )
            return None
        except BaseException:
            self.seen.pop(conference_id, None)
            raise
        self.seen.pop(conference_id, None)
        _note(f"{what}: done")
        return result

    async def _host(self, conference_id: str, apply: Callable[[Room, datetime], T]) -> T:
        now = self.clock.now()
        raw, until = self.tokens.get(conference_id, ("", now))
        if now >= until:
            token = await control.create_conf_token(
                self.ctx,
                conference_id,
                password=self.known[conference_id].chair,
                current=None,
                client_ip="client",
            )
            raw, until = token.issued.token, now + timedelta(minutes=20)
            self.tokens[conference_id] = raw, until
        return await people.host_operation(self.ctx, conference_id, raw, apply)

    def _control(self, conference_id: str, apply: Callable[[Room, datetime], T], what: str = "") -> T | None:
        what = what or sys._getframe(1).f_code.co_name
        return self._attempt(conference_id, lambda: self._host(conference_id, apply), what)

    # -- rules: meetings and the clock ----------------------------------------------------------

    @precondition(lambda self: len(self.known) < 3)
    @rule(
        target=meetings,
        lead=st.sampled_from([None, None, None, 0, 10]),
        length=st.integers(15, 45),
        step=st.none() | st.integers(0, 20),
        waiting_room=st.booleans(),
        invitees=st.lists(st.sampled_from(NUMBERS), max_size=2, unique=True),
    )
    def create(
        self, lead: int | None, length: int, step: int | None, waiting_room: bool, invitees: list[str]
    ) -> str:
        return self._create(lead, length, step, waiting_room, invitees)

    def _create(
        self, lead: int | None, length: int, step: int | None, waiting_room: bool, invitees: list[str]
    ) -> str:
        now = self.clock.now()
        start = None if lead is None else (now + timedelta(minutes=lead)).replace(second=0, microsecond=0)
        details: dict[str, object] = {
            "confConfigInfo": {"enableWaitingRoom": waiting_room},
            "attendees": [{"name": f"inv{n}", "phone": n, "role": 0} for n in invitees],
            # every other meeting may record (BEHAVIOUR §10); the others refuse `record`
            "recordType": 2 if len(self.known) % 2 == 0 else 0,
        }
        spec = validate_spec(
            subject="m",
            media_types="Voice",
            length=length,
            start=start,
            guest_password=None,
            prolong_step=step,
            allow_guest_start=False,
            now=now,
            details=details,
        )
        meeting, _ = self.run(meetings.create_meeting(self.ctx, self.session, spec))
        self.known[meeting.conference_id] = Known(meeting.chair_password, meeting.guest_password, [])
        return meeting.conference_id

    @initialize(
        target=meetings,
        length=st.integers(15, 30),
        step=st.sampled_from([None, 0, 1]),
        waiting_room=st.booleans(),
        others=st.integers(0, 3),
    )
    def running_meeting(self, length: int, step: int | None, waiting_room: bool, others: int) -> str:
        return self._running(length, step, waiting_room, others)

    def _running(self, length: int, step: int | None, waiting_room: bool, others: int) -> str:
        """A running meeting with its host (and maybe others) to start from."""
        conference_id = self._create(None, length, step, waiting_room, ["100"])
        chair = self.known[conference_id].chair
        for i in range(others + 1):
            p = self.run(people.join(self.ctx, conference_id, f"p{i}", 0, password=chair if i == 0 else None))
            self.known[conference_id].pids.append(p.participant_id)
        self.seen.pop(conference_id, None)
        return conference_id

    @rule(conference_id=meetings)
    def activate(self, conference_id: str) -> None:
        password = self.known[conference_id].chair
        self._attempt(
            conference_id,
            lambda: meetings.start_meeting(self.ctx, self.session, conference_id, password, "client"),
        )

    @rule(seconds=st.integers(0, 90) | st.integers(0, 45 * 60))
    def advance(self, seconds: int) -> None:
        self.seen.clear()
        self.run(sandbox.advance(self.ctx, self.lock, seconds))
        due = self.run(self._due())
        assert due == [], f"deadlines left unprocessed after an advance: {due}"

    async def _due(self) -> list[tuple[str, Any]]:
        async with self.ctx.store.read() as tx:
            return await tx.due(self.clock.now(), 10)

    @rule(conference_id=meetings)
    def stop(self, conference_id: str) -> None:
        async def work() -> None:
            token = await control.create_conf_token(
                self.ctx,
                conference_id,
                password=self.known[conference_id].chair,
                current=None,
                client_ip="client",
            )
            await control.stop_meeting(self.ctx, conference_id, token.issued.token)

        self._attempt(conference_id, work)

    # -- rules: sites by themselves (the sandbox) -----------------------------------------------

    @rule(
        conference_id=meetings,
        number=st.sampled_from(["", *NUMBERS, "999"]),
        password=st.sampled_from(["none", "chair", "guest", "wrong"]),
        role=st.sampled_from([0, 0, 1]),
    )
    def join(self, conference_id: str, number: str, password: str, role: int) -> None:
        known = self.known[conference_id]
        secret = {"none": None, "chair": known.chair, "guest": known.guest, "wrong": "0000000"}[password]
        before = self._current(conference_id)
        m = before.meeting
        p = self._attempt(
            conference_id,
            lambda: people.join(self.ctx, conference_id, "p", role, number=number, password=secret),
        )
        if p is not None:
            known.pids.append(p.participant_id)
        if password == "wrong":
            assert p is None, "a wrong password joined"
        if m.state is not MeetingState.RUNNING or p is None:
            return
        invitee = bool(number) and any(i.phone == number for i in m.room.invitees)
        if m.room.lock and password != "chair":  # role 1 or the guest password: no way in
            assert invitee, "a locked meeting let in a join without the chair password"
        called = any(r.phone == number and r.left_at is None and r.state == 1 for r in before.sites)
        if m.room.waiting_room and not p.is_host and not (number and called):
            assert p.state is SiteState.WAITING, "a non-host join skipped the waiting room"

    @rule(conference_id=meetings, pick=PICK)
    def leave(self, conference_id: str, pick: int) -> None:
        pid = self._pid(conference_id, pick)
        self._attempt(conference_id, lambda: people.leave(self.ctx, conference_id, pid))

    @rule(conference_id=meetings, pick=PICK, answer=st.booleans())
    def call_answered(self, conference_id: str, pick: int, answer: bool) -> None:
        """A called site answers or declines (calls nobody answers ring out in `advance`)."""
        pid = self._pid(conference_id, pick, SiteState.CALLING)
        if answer:
            self._attempt(conference_id, lambda: people.answer(self.ctx, conference_id, pid), "answer")
        else:
            self._attempt(conference_id, lambda: people.decline(self.ctx, conference_id, pid), "decline")

    # -- rules: the host's operations -------------------------------------------------------------

    @rule(
        conference_id=meetings,
        numbers=st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=3),
        role=st.sampled_from([0, 0, 1]),
        then=st.sampled_from(["ring", "answer", "decline", "join"]),
    )
    def invite(self, conference_id: str, numbers: list[str], role: int, then: str) -> None:
        """Invites the numbers; the first one called then rings on, answers, declines or joins
        by itself with its number (which answers the call)."""
        specs = [Invitee(f"n{n}", n, role=role) for n in numbers]
        called = self._control(conference_id, lambda room, now: room.invite(specs, now)) or []
        for p in called:
            self.known[conference_id].pids.append(p.participant_id)
        if not called or then == "ring":
            return
        pid, number = called[0].participant_id, called[0].phone
        if then == "answer":
            self._attempt(conference_id, lambda: people.answer(self.ctx, conference_id, pid), "answer")
        elif then == "decline":
            self._attempt(conference_id, lambda: people.decline(self.ctx, conference_id, pid), "decline")
        else:
            self._attempt(
                conference_id, lambda: people.join(self.ctx, conference_id, "j", 0, number=number), "join"
            )

    @rule(
        conference_id=meetings,
        picks=st.lists(PICK, min_size=1, max_size=3),
        number=st.sampled_from(["", *NUMBERS, "999"]),
    )
    def drop(self, conference_id: str, picks: list[int], number: str) -> None:
        """`hang_up` the sites picked, or (with a number) `delete_attendees` that number."""
        if number:
            self._control(
                conference_id, lambda room, now: room.delete_attendees([(number, "")], now), "delete"
            )
        else:
            pids = [self._pid(conference_id, p) for p in picks]
            self._control(conference_id, lambda room, now: room.hang_up(pids, now), "hang_up")

    @rule(
        conference_id=meetings,
        setting=st.sampled_from(["lock", "waiting_room", "mute_meeting"]),
        on=st.integers(0, 1),
        allow=st.integers(0, 1),
    )
    def meeting_setting(self, conference_id: str, setting: str, on: int, allow: int) -> None:
        apply: Callable[[Room, datetime], None]
        if setting == "lock":
            apply = lambda room, now: room.lock(on, now)  # noqa: E731
        elif setting == "waiting_room":
            apply = lambda room, now: room.update_config({"waiting_room": on}, now)  # noqa: E731
        else:
            apply = lambda room, now: room.mute_meeting(on, allow, now)  # noqa: E731
        self._control(conference_id, apply, setting)

    @rule(
        conference_id=meetings,
        picks=st.lists(PICK, min_size=1, max_size=3),
        action=st.sampled_from(["move", "move_batch", "admit", "admit_all"]),
    )
    def waiting_room(self, conference_id: str, picks: list[int], action: str) -> None:
        if action.startswith("move"):
            pids = [self._pid(conference_id, p, SiteState.IN_MEETING) for p in picks]
            batch = action == "move_batch"
            self._control(
                conference_id, lambda room, now: room.move_to_waiting_room(pids, now, batch=batch), action
            )
        else:
            pid = self._pid(conference_id, picks[0], SiteState.WAITING)
            everyone = action == "admit_all"
            self._control(conference_id, lambda room, now: room.admit(pid, everyone, now), action)

    @rule(conference_id=meetings, pick=PICK, cohost=st.booleans(), on=st.integers(0, 1))
    def role(self, conference_id: str, pick: int, cohost: bool, on: int) -> None:
        """`set_cohost` or `set_role` (the host moves or is released), mostly on a site in the
        meeting itself."""
        pid = self._pid(conference_id, pick, SiteState.IN_MEETING)
        if cohost:
            self._control(conference_id, lambda room, now: room.set_cohost(pid, on, now), "cohost")
        else:
            self._control(conference_id, lambda room, now: room.set_role(pid, on, "", now), "host")

    @rule(
        conference_id=meetings,
        pick=PICK,
        what=st.sampled_from(["mute", "hand", "broadcast", "rollcall", "cancel"]),
        on=st.integers(0, 1),
    )
    def one_site(self, conference_id: str, pick: int, what: str, on: int) -> None:
        """The host's operations on one site's audio and hand, and on the floor."""
        pid = self._pid(conference_id, pick)
        apply: Callable[[Room, datetime], None] = {
            "mute": lambda room, now: room.mute(pid, on, now),
            "hand": lambda room, now: room.hand(pid, on, now),
            "broadcast": lambda room, now: room.broadcast(pid, now),
            "rollcall": lambda room, now: room.rollcall(pid, now),
            "cancel": lambda room, now: room.cancel_broadcast(now),
        }[what]
        self._control(conference_id, apply, what)

    @rule(conference_id=meetings, on=st.integers(0, 1))
    def record(self, conference_id: str, on: int) -> None:
        self._control(conference_id, lambda room, now: room.record(on, now), "record")

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def a_recording_exists_iff_its_run_recorded_and_ended(self) -> None:
        """BEHAVIOUR §10: one recording per run that recorded and has ended, none for a run still
        going or one that never recorded."""
        stored = self.run(self._read_all())
        ended_recorded = {
            s.meeting.conf_uuid
            for s in stored
            if s.meeting.state is MeetingState.ENDED and s.meeting.room.rec_occurred
        }
        recorded_runs = {
            e.conf_uuid for s in stored for e in s.ledger if e.event.kind is EventKind.RECORD_FINISHED
        }
        assert ended_recorded == recorded_runs
        assert self.run(self._recording_runs()) == ended_recorded

    async def _recording_runs(self) -> set[str]:
        async with self.ctx.store.read() as tx:
            rows = await tx.conn.execute(select(recordings.c.conf_uuid))
            return {r.conf_uuid for r in rows}

    @invariant()
    def rules_hold(self) -> None:
        now = self.clock.now()
        for stored in self.run(self._read_all()):
            self.seen[stored.meeting.conference_id] = stored
            self._people_rules(stored, now)
            self._clock_rules(stored)

    def _people_rules(self, s: Stored, now: datetime) -> None:
        m = s.meeting
        cid = m.conference_id
        present = [r for r in s.sites if r.left_at is None]
        if m.state is not MeetingState.RUNNING:
            assert present == [], f"sites still present in {m.state} meeting {cid}"
            assert all(r.left_at is not None for r in s.sessions), cid
            if m.state is not MeetingState.SCHEDULED:
                fingerprint = self._fingerprint(s)
                assert self.frozen.setdefault(cid, fingerprint) == fingerprint, f"ended {cid} changed"
            return
        assert all(r.conf_uuid == m.conf_uuid for r in present), f"a previous run's site in {cid}"
        in_meeting = [r for r in present if r.state == SiteState.IN_MEETING]
        # BEHAVIOUR §3/§8: presence for the auto-extension rule counts state 0 only.
        assert s.present_count == len(in_meeting), cid
        assert sum(r.role == 1 for r in present) <= 1, f"two hosts in {cid}"
        for r in present:
            if r.cohost:
                assert r.state == SiteState.IN_MEETING and r.role != 1, f"bad co-host in {cid}"
            if r.role == 1:
                assert not r.hand, f"the host's hand is raised in {cid}"
            if r.state == SiteState.CALLING:
                assert r.call_expires is not None
                expires = from_ms(r.call_expires)
                assert now < expires <= now + CALL_TIMEOUT, (cid, expires, now)
            else:
                assert r.call_expires is None, cid
        assert sum(r.broadcast or r.rollcall for r in present) <= 1, cid
        assert (m.room.mode == "FREE") == (not any(r.broadcast or r.rollcall for r in present)), cid
        calls = [from_ms(r.call_expires) for r in present if r.state == SiteState.CALLING]
        assert m.room.call_deadline == (min(calls) if calls else None), cid
        assert m.end_at is not None
        expected = min(calls) if calls and min(calls) < m.end_at else m.end_at
        assert m.deadline == expected, cid
        # Attendance: one open session per site in the meeting itself, and no other.
        open_sessions = sorted(r.participant_id for r in s.sessions if r.left_at is None)
        assert open_sessions == sorted(r.participant_id for r in in_meeting), cid
        assert all(r.conf_uuid == m.conf_uuid for r in s.sessions if r.left_at is None), cid

    @staticmethod
    def _clock_rules(s: Stored) -> None:
        """Each automatic extension happened with someone in the meeting itself at that instant,
        and each time-up end of a meeting with a step with nobody in it (attendance says who)."""
        m = s.meeting
        for entry in s.ledger:
            e = entry.event
            if entry.conf_uuid != m.conf_uuid:
                continue
            if e.kind is EventKind.AUTO_EXTENDED or (
                e.kind is EventKind.ENDED and e.detail == EndReason.TIME_UP.value and m.prolong_step > 0
            ):
                t = e.at
                inside = [
                    r
                    for r in s.sessions
                    if r.conf_uuid == m.conf_uuid
                    and from_ms(r.joined_at) <= t
                    and (r.left_at is None or from_ms(r.left_at) > t)
                ]
                if e.kind is EventKind.AUTO_EXTENDED:
                    assert inside, f"{m.conference_id} auto-extended at {t} with nobody in it"
                else:
                    assert not inside, f"{m.conference_id} ended at {t} with {len(inside)} in it"


def test_people_machine(backend: str, tmp_path: Path) -> None:
    url = create_pg_database() if backend == "postgresql" else f"sqlite:///{tmp_path / 'machine.db'}"
    try:
        migrate(url)
        machine = type(f"PeopleMachine_{backend}", (PeopleMachine,), {"url": url})
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=60,
                stateful_step_count=40,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        if backend == "postgresql":
            drop_pg_database(url)


# -- the same machinery, one scenario at a time --------------------------------------------------


def _machine(backend: str, tmp_path: Path) -> tuple[PeopleMachine, str | None]:
    pg = create_pg_database() if backend == "postgresql" else None
    url = pg or f"sqlite:///{tmp_path / 'one.db'}"
    migrate(url)
    return type("OneScenario", (PeopleMachine,), {"url": url})(), pg


def test_an_unanswered_call_ends_at_60_seconds_and_the_meeting_runs_on(backend: str, tmp_path: Path) -> None:
    machine, pg = _machine(backend, tmp_path)
    try:
        cid = machine._running(length=30, step=15, waiting_room=False, others=0)
        machine.advance(10)
        invited_at = machine.clock.now()
        called = machine._control(cid, lambda room, now: room.invite([Invitee("c", "300")], now))
        assert called is not None and len(called) == 1
        machine.rules_hold()
        assert machine._current(cid).meeting.deadline == invited_at + CALL_TIMEOUT
        machine.advance(59)
        machine.rules_hold()
        assert any(r.state == SiteState.CALLING and r.left_at is None for r in machine._current(cid).sites)
        machine.advance(1)
        machine.rules_hold()
        stored = machine._current(cid)
        last = stored.ledger[-1].event
        assert (last.kind, last.detail, last.at) == (
            EventKind.CALL_FAILED,
            "no answer",
            invited_at + CALL_TIMEOUT,
        )
        assert stored.meeting.state is MeetingState.RUNNING
        assert stored.meeting.deadline == stored.meeting.end_at
        assert [i.phone for i in stored.meeting.room.invitees] == ["100", "300"]
    finally:
        machine.teardown()
        if pg:
            drop_pg_database(pg)


def test_sites_waiting_or_being_called_do_not_extend_a_meeting(backend: str, tmp_path: Path) -> None:
    machine, pg = _machine(backend, tmp_path)
    try:
        cid = machine._running(length=15, step=15, waiting_room=True, others=1)
        host, waiting = machine.known[cid].pids
        machine.leave(cid, 0)  # the host goes: one site waits
        machine.rules_hold()
        stored = machine._current(cid)
        assert [(r.participant_id, r.state) for r in stored.sites if r.left_at is None] == [
            (waiting, SiteState.WAITING)
        ]
        assert stored.present_count == 0
        end = stored.meeting.end_at
        assert end is not None
        machine.advance(14 * 60 + 30)
        machine._control(cid, lambda room, now: room.invite([Invitee("c", "300")], now))  # rings past the end
        machine.advance(30)
        machine.rules_hold()
        stored = machine._current(cid)
        assert stored.meeting.state is MeetingState.ENDED
        assert (stored.meeting.end_at, stored.meeting.ended_reason) == (end, EndReason.TIME_UP.value)
        assert all(r.left_at == to_ms(end) for r in stored.sites if r.participant_id != host)
    finally:
        machine.teardown()
        if pg:
            drop_pg_database(pg)
