"""The Room's rules for the people of a running meeting, with no I/O (BEHAVIOUR §8): who joins
and how (waiting room, lock, chair password), calls and their 60 s timeout, every host
operation's effects and refusals, the ledger entries each appends and the attendance sessions."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from overtime.domain import errors
from overtime.domain.meeting import EndReason, EventKind, Meeting, MeetingState, Policy, validate_spec
from overtime.domain.presence import Participant, SiteState
from overtime.domain.room import CALL_TIMEOUT, MAX_COHOSTS, MAX_SITES, Room
from overtime.domain.room_state import Invitee, RoomState
from overtime.domain.tokens import Role

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)
MIN = timedelta(minutes=1)
CHAIR = "111111"
GUEST = "222222"
POLICY = Policy()

K = EventKind


def make_meeting(
    *,
    waiting_room: bool = False,
    attendees: list[dict[str, object]] | None = None,
    length: int = 30,
    start: datetime | None = None,
) -> Meeting:
    details: dict[str, object] = {}
    if waiting_room:
        details["confConfigInfo"] = {"enableWaitingRoom": True}
    if attendees is not None:
        details["attendees"] = attendees
    spec = validate_spec(
        subject="s",
        media_types="Voice",
        length=length,
        start=start,
        guest_password=None,
        prolong_step=None,
        allow_guest_start=False,
        now=T0,
        details=details,
    )
    return Meeting.create(
        spec,
        conference_id="123456789",
        owner_id="o",
        corp_id="c",
        chair_password=CHAIR,
        random_guest_password=GUEST,
        policy=POLICY,
        now=T0,
    )


def make_room(**kwargs: object) -> Room:
    return Room(make_meeting(**kwargs), [])  # type: ignore[arg-type]


def at(seconds: int) -> datetime:
    return T0 + seconds * SEC


def kinds(room: Room, op: Callable[[], object]) -> list[EventKind]:
    """The ledger entries `op` appends."""
    before = len(room.meeting.events)
    op()
    return [e.kind for e in room.meeting.events[before:]]


def snapshot(room: Room) -> object:
    """Everything an operation may change, to show a refused one changed nothing."""
    return (
        copy.deepcopy(room.sites),
        copy.deepcopy(room.meeting.room),
        len(room.meeting.events),
        list(room.opened),
        list(room.closed),
        dict(room.changed),
    )


def refused(room: Room, error: type[Exception], op: Callable[[], object]) -> None:
    before = snapshot(room)
    with pytest.raises(error):
        op()
    assert snapshot(room) == before


def host_and_two(room: Room) -> tuple[Participant, Participant, Participant]:
    host = room.join("host", at(1), password=CHAIR)
    a = room.join("a", at(2), phone="100")
    b = room.join("b", at(3), phone="200")
    return host, a, b


# -- joining ---------------------------------------------------------------------------------------


def test_a_join_enters_the_meeting_opens_a_session_and_is_recorded() -> None:
    r = make_room()
    new = kinds(r, lambda: r.join("alice", at(5), phone="123", video=True))
    p = next(iter(r.sites.values()))
    assert re.fullmatch("[0-9a-f]{32}", p.participant_id)
    assert (p.state, p.role, p.video, p.phone, p.joined_at) == (
        SiteState.IN_MEETING,
        Role.ATTENDEE,
        True,
        "123",
        at(5),
    )
    assert p.in_meeting and not p.invited
    assert new == [K.JOINED]
    assert r.meeting.events[-1].actor == f"participant:{p.participant_id}"
    assert [(s.participant_id, s.at) for s in r.opened] == [(p.participant_id, at(5))]
    assert r.changed == {p.participant_id: p}


def test_each_join_is_a_new_site_with_a_new_id() -> None:
    r = make_room()
    a, b = r.join("x", at(1)), r.join("x", at(2))
    assert a.participant_id != b.participant_id and len(r.in_meeting()) == 2


@pytest.mark.parametrize(
    ("name", "phone", "error"),
    [
        ("", "", errors.InvalidParameter),
        ("n" * 97, "", errors.InvalidParameter),
        ("n", "1" * 33, errors.CallNumberTooLong),
    ],
)
def test_a_join_with_a_bad_name_or_number_changes_nothing(
    name: str, phone: str, error: type[Exception]
) -> None:
    r = make_room()
    refused(r, error, lambda: r.join(name, at(1), phone=phone))


def test_a_join_with_a_wrong_password_is_refused() -> None:
    r = make_room()
    refused(r, errors.ConferenceAuthFailed, lambda: r.join("x", at(1), password="999999"))


def test_the_first_join_starts_a_scheduled_meeting() -> None:
    m = make_meeting(start=T0 + 10 * MIN)
    assert (m.state, m.started_at) == (MeetingState.SCHEDULED, None)
    r = Room(m, [])
    new = kinds(r, lambda: r.join("early", at(30)))
    assert (m.state, m.started_at) == (MeetingState.RUNNING, at(30))
    assert new == [K.STARTED, K.JOINED]


def test_a_join_to_an_ended_meeting_is_refused() -> None:
    r = make_room()
    r.meeting.end(at(1), EndReason.STOPPED, "chair")
    refused(r, errors.MeetingNotFound, lambda: r.join("late", at(2)))


def test_the_chair_password_joins_as_host_only_when_there_is_none() -> None:
    r = make_room()
    first = r.join("h1", at(1), password=CHAIR)
    second = r.join("h2", at(2), password=CHAIR)
    assert first.is_host and not second.is_host
    assert r.host is first
    guest = r.join("g", at(3), password=GUEST)
    assert guest.role is Role.ATTENDEE


def test_as_host_joins_as_host_only_when_there_is_none() -> None:
    r = make_room()
    first = r.join("h1", at(1), as_host=True)
    second = r.join("h2", at(2), as_host=True)
    assert first.is_host and not second.is_host


def test_the_host_rejoins_as_host_after_the_role_is_released() -> None:
    r = make_room()
    h = r.join("h1", at(1), password=CHAIR)
    r.set_role(h.participant_id, 0, "", at(2))
    assert r.host is None
    again = r.join("h2", at(3), password=CHAIR)
    assert again.is_host


# -- the waiting room ------------------------------------------------------------------------------


def test_with_the_waiting_room_on_non_hosts_wait() -> None:
    r = make_room(waiting_room=True)
    assert r.meeting.room.waiting_room == 1
    new = kinds(r, lambda: r.join("w", at(1), phone="5"))
    w = next(iter(r.sites.values()))
    assert w.state is SiteState.WAITING and not w.in_meeting and w.present
    assert new == [K.WAITING]
    assert r.opened == [] and r.in_meeting() == []


def test_with_the_waiting_room_on_the_first_chair_enters_and_a_second_one_waits() -> None:
    r = make_room(waiting_room=True)
    h = r.join("h", at(1), password=CHAIR)
    assert h.is_host and h.state is SiteState.IN_MEETING
    second = r.join("h2", at(2), password=CHAIR)
    assert not second.is_host and second.state is SiteState.WAITING


def test_the_waiting_room_switched_on_by_update_config_applies_to_later_joins() -> None:
    r = make_room()
    before = r.join("before", at(1))
    assert kinds(r, lambda: r.update_config({"waiting_room": 1}, at(2))) == [K.CONFIG_UPDATED]
    after = r.join("after", at(3))
    assert before.state is SiteState.IN_MEETING and after.state is SiteState.WAITING


def test_move_to_waiting_room_closes_the_session_and_admit_opens_a_new_one() -> None:
    r = make_room()
    _host, a, _b = host_and_two(r)
    r.set_cohost(a.participant_id, 1, at(4))
    r.opened.clear()
    new = kinds(r, lambda: r.move_to_waiting_room([a.participant_id], at(10), batch=False))
    assert new == [K.MOVED_TO_WAITING, K.LEFT]
    assert (a.state, a.present, a.cohost) == (SiteState.WAITING, True, False)
    assert r.closed == [(a.participant_id, at(10))]
    new = kinds(r, lambda: r.admit(a.participant_id, False, at(20)))
    assert new == [K.ADMITTED, K.JOINED]
    assert a.state is SiteState.IN_MEETING
    assert [(s.participant_id, s.at) for s in r.opened] == [(a.participant_id, at(20))]


def test_batch_move_ignores_unknown_ids_and_admit_all_admits_everyone_waiting() -> None:
    r = make_room()
    _host, a, b = host_and_two(r)
    new = kinds(
        r,
        lambda: r.move_to_waiting_room(["nobody", a.participant_id, b.participant_id], at(5), batch=True),
    )
    assert new == [K.MOVED_TO_WAITING, K.LEFT, K.LEFT]
    assert {p.participant_id for p in r.sites.values() if p.state is SiteState.WAITING} == {
        a.participant_id,
        b.participant_id,
    }
    assert kinds(r, lambda: r.move_to_waiting_room(["nobody"], at(6), batch=True)) == []
    new = kinds(r, lambda: r.admit("", True, at(7)))
    assert new == [K.ADMITTED, K.JOINED, K.JOINED]
    assert [e.actor for e in r.meeting.events[-2:]] == [
        f"participant:{a.participant_id}",
        f"participant:{b.participant_id}",
    ]
    assert len(r.in_meeting()) == 3


def test_waiting_room_refusals() -> None:
    r = make_room()
    _host, a, _b = host_and_two(r)
    refused(r, errors.SiteNotFound, lambda: r.move_to_waiting_room(["nobody"], at(5), batch=False))
    refused(r, errors.SiteNotFound, lambda: r.admit(a.participant_id, False, at(5)))  # not waiting
    refused(r, errors.SiteNotFound, lambda: r.admit("nobody", False, at(5)))
    refused(r, errors.InvalidParameter, lambda: r.admit("", False, at(5)))
    called = r.invite([Invitee("c", "300")], at(6))[0]
    refused(
        r, errors.SiteNotFound, lambda: r.move_to_waiting_room([called.participant_id], at(7), batch=False)
    )


def test_an_admitted_site_is_muted_when_the_meeting_is() -> None:
    r = make_room(waiting_room=True)
    r.join("h", at(1), password=CHAIR)
    w = r.join("w", at(2))
    r.mute_meeting(1, 1, at(3))
    w.mute = False
    r.admit(w.participant_id, False, at(4))
    assert w.mute


# -- the lock ----------------------------------------------------------------------------------------


def test_a_locked_meeting_refuses_joins_without_the_chair_password() -> None:
    r = make_room()
    assert kinds(r, lambda: r.lock(1, at(1))) == [K.LOCKED]
    assert r.meeting.room.lock == 1
    refused(r, errors.MeetingLocked, lambda: r.join("x", at(2)))
    refused(r, errors.MeetingLocked, lambda: r.join("x", at(2), phone="555"))
    refused(r, errors.MeetingLocked, lambda: r.join("x", at(2), password=GUEST))
    h = r.join("h", at(3), password=CHAIR)
    assert h.is_host
    other_chair = r.join("h2", at(4), password=CHAIR)  # the chair password passes, as a non-host
    assert not other_chair.is_host
    r.lock(0, at(5))
    assert r.meeting.room.lock == 0
    r.join("x", at(6))


def test_a_locked_meeting_admits_an_invitee_by_number() -> None:
    r = make_room()
    r.invite([Invitee("inv", "777")], at(1))
    r.lock(1, at(2))
    p = r.join("inv", at(3), phone="777")
    assert p.state is SiteState.IN_MEETING and p.invited


def test_a_scheduled_invitee_passes_the_lock() -> None:
    r = make_room(attendees=[{"name": "sched", "phone": "888", "role": 0}])
    assert [i.phone for i in r.meeting.room.invitees] == ["888"]
    r.lock(1, at(1))
    p = r.join("sched", at(2), phone="888")
    assert p.invited


def test_a_locked_meeting_refuses_a_role_1_join_without_the_chair_password() -> None:
    r = make_room()
    r.join("h", at(1), password=CHAIR)
    r.lock(1, at(2))
    # BEHAVIOUR §8: "while locked, a sandbox join without the chair password and not by an
    # invitee is refused"; role 1 (`as_host`) is no password.
    refused(r, errors.MeetingLocked, lambda: r.join("claims to be host", at(3), as_host=True))
    assert r.join("with it", at(4), as_host=True, password=CHAIR).present


def test_a_locked_meeting_refuses_role_1_with_the_guest_password() -> None:
    r = make_room()
    r.join("h", at(1), password=CHAIR)
    r.lock(1, at(2))
    # BEHAVIOUR §8: "the guest password does not get around a lock".
    refused(r, errors.MeetingLocked, lambda: r.join("claims", at(3), as_host=True, password=GUEST))


# -- leaving -----------------------------------------------------------------------------------------


def test_leaving_closes_the_session_and_is_recorded() -> None:
    r = make_room()
    p = r.join("a", at(1))
    assert kinds(r, lambda: r.leave(p.participant_id, at(9))) == [K.LEFT]
    assert p.left_at == at(9) and not p.present
    assert r.sites == {} and r.closed == [(p.participant_id, at(9))]
    refused(r, errors.SiteNotFound, lambda: r.leave(p.participant_id, at(10)))
    refused(r, errors.SiteNotFound, lambda: r.leave("nobody", at(10)))


def test_leaving_the_waiting_room_closes_no_session() -> None:
    r = make_room(waiting_room=True)
    w = r.join("w", at(1))
    r.leave(w.participant_id, at(2))
    assert r.sites == {} and r.closed == [] and w.left_at == at(2)


def test_leaving_the_waiting_room_is_no_meeting_left() -> None:
    r = make_room(waiting_room=True)
    w = r.join("w", at(1))
    # EventKind.LEFT: "A site in the meeting itself left it"; its webhook is meeting.left.
    assert kinds(r, lambda: r.leave(w.participant_id, at(2))) == [K.WAITING_LEFT]
    assert r.meeting.events[-1].actor == f"participant:{w.participant_id}"


def test_a_called_site_leaving_declines_the_call() -> None:
    r = make_room()
    c = r.invite([Invitee("c", "300")], at(1))[0]
    new = kinds(r, lambda: r.leave(c.participant_id, at(2)))
    assert new == [K.CALL_FAILED] and r.meeting.events[-1].detail == "declined"
    assert r.sites == {}


def test_the_host_leaving_leaves_the_meeting_without_a_host() -> None:
    r = make_room()
    h = r.join("h", at(1), password=CHAIR)
    r.leave(h.participant_id, at(2))
    assert r.host is None


# -- invitations and calls ---------------------------------------------------------------------------


def test_invite_calls_each_number_for_60_seconds_and_the_call_is_a_deadline() -> None:
    r = make_room()
    m = r.meeting
    r.join("h", at(1), password=CHAIR)
    called: list[Participant] = []
    new = kinds(r, lambda: called.extend(r.invite([Invitee("a", "100"), Invitee("b", "200")], at(10))))
    assert new == [K.INVITED]
    assert [(p.phone, p.state, p.call_expires, p.invited) for p in called] == [
        ("100", SiteState.CALLING, at(10) + CALL_TIMEOUT, True),
        ("200", SiteState.CALLING, at(10) + CALL_TIMEOUT, True),
    ]
    assert CALL_TIMEOUT == 60 * SEC
    assert [(i.name, i.phone) for i in m.room.invitees] == [("a", "100"), ("b", "200")]
    assert len(r.in_meeting()) == 1 and r.opened[-1].name == "h"
    assert m.deadline == m.end_at  # until settled
    r.settle()
    assert m.room.call_deadline == at(70) and m.call_deadline == at(70) and m.deadline == at(70)
    r.invite([Invitee("c", "300")], at(30))
    r.settle()
    assert m.room.call_deadline == at(70)  # the earliest


def test_a_call_ending_after_the_meeting_is_not_its_deadline() -> None:
    r = make_room(length=15)
    m = r.meeting
    assert m.end_at == T0 + 15 * MIN
    r.invite([Invitee("a", "100")], m.end_at - 30 * SEC)
    r.settle()
    assert m.room.call_deadline == m.end_at + 30 * SEC
    assert m.call_deadline is None and m.deadline == m.end_at


def test_invite_does_not_call_a_number_already_there() -> None:
    r = make_room()
    r.join("online", at(1), phone="100")
    called = r.invite([Invitee("A", "100"), Invitee("B", "200"), Invitee("B2", "200", role=1)], at(2))
    assert [p.phone for p in called] == ["200"]
    assert [(i.name, i.phone, i.role) for i in r.meeting.room.invitees] == [("A", "100", 0), ("B2", "200", 1)]
    again = kinds(r, lambda: r.invite([Invitee("B", "200")], at(3)))
    assert again == [K.INVITED] and len(r.sites) == 2


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (Invitee("n", ""), errors.CallNumberEmpty),
        (Invitee("n", "1" * 33), errors.CallNumberTooLong),
        (Invitee("", "1"), errors.SiteNameEmpty),
        (Invitee("n" * 97, "1"), errors.SiteNameTooLong),
        (Invitee("n", "1", role=2), errors.SiteRoleOutOfRange),
    ],
)
def test_a_bad_invitee_refuses_the_whole_invitation(spec: Invitee, error: type[Exception]) -> None:
    r = make_room()
    refused(r, error, lambda: r.invite([Invitee("ok", "999"), spec], at(1)))


def test_the_longest_number_and_name_are_accepted() -> None:
    r = make_room()
    (p,) = r.invite([Invitee("n" * 96, "1" * 32)], at(1))
    assert p.state is SiteState.CALLING


def test_answering_a_call_enters_the_meeting() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300")], at(1))
    r.settle()
    new = kinds(r, lambda: r.answer(c.participant_id, at(20)))
    assert new == [K.JOINED]
    assert c.state is SiteState.IN_MEETING and c.call_expires is None and c.joined_at == at(1)
    assert [(s.participant_id, s.at) for s in r.opened] == [(c.participant_id, at(20))]
    r.settle()
    assert r.meeting.room.call_deadline is None and r.meeting.deadline == r.meeting.end_at
    refused(r, errors.SiteNotFound, lambda: r.answer(c.participant_id, at(21)))
    refused(r, errors.SiteNotFound, lambda: r.decline(c.participant_id, at(21)))


def test_an_answered_call_skips_the_waiting_room() -> None:
    r = make_room(waiting_room=True)
    (c,) = r.invite([Invitee("c", "300")], at(1))
    r.answer(c.participant_id, at(2))
    assert c.state is SiteState.IN_MEETING


def test_a_join_by_a_called_number_answers_the_call() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300")], at(1))
    p = r.join("Carol", at(5), phone="300", video=True)
    assert p is c and p.state is SiteState.IN_MEETING and p.name == "Carol" and p.video
    assert len(r.sites) == 1


def test_an_invitee_with_role_1_answers_as_host_when_there_is_none() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300", role=1)], at(1))
    (d,) = r.invite([Invitee("d", "400", role=1)], at(1))
    r.answer(c.participant_id, at(2))
    r.answer(d.participant_id, at(3))
    assert c.is_host and not d.is_host


def test_a_host_never_has_a_raised_hand() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300", role=1)], at(1))
    r.hand(c.participant_id, 1, at(2))
    r.answer(c.participant_id, at(3))
    assert c.is_host
    assert not c.hand


def test_declining_drops_the_call_and_keeps_the_invitee() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300")], at(1))
    new = kinds(r, lambda: r.decline(c.participant_id, at(5)))
    assert new == [K.CALL_FAILED]
    e = r.meeting.events[-1]
    assert (e.detail, e.at, e.actor) == ("declined", at(5), f"participant:{c.participant_id}")
    assert c.left_at == at(5) and c.call_expires is None and r.sites == {}
    assert [i.phone for i in r.meeting.room.invitees] == ["300"]
    assert r.opened == [] and r.closed == []
    refused(r, errors.SiteNotFound, lambda: r.decline(c.participant_id, at(6)))


def test_unanswered_calls_end_at_60_seconds_as_no_answer() -> None:
    r = make_room()
    m = r.meeting
    (a,) = r.invite([Invitee("a", "100")], at(0))
    (b,) = r.invite([Invitee("b", "200")], at(20))
    r.settle()
    assert kinds(r, lambda: r.expire_calls(at(59))) == []
    assert len(r.sites) == 2
    assert kinds(r, lambda: r.expire_calls(at(60))) == [K.CALL_FAILED]
    assert (m.events[-1].detail, m.events[-1].at) == ("no answer", at(60))
    assert a.left_at == at(60) and a.participant_id not in r.sites
    r.settle()
    assert m.room.call_deadline == at(80) and m.deadline == at(80)
    r.expire_calls(at(200))  # late: each call ends at its own time
    assert (m.events[-1].kind, m.events[-1].at, b.left_at) == (K.CALL_FAILED, at(80), at(80))
    r.settle()
    assert m.room.call_deadline is None and m.deadline == m.end_at
    assert [i.phone for i in m.room.invitees] == ["100", "200"]
    assert r.opened == [] and r.closed == []


def test_expire_calls_leaves_sites_in_the_meeting_alone() -> None:
    r = make_room()
    p = r.join("a", at(0))
    assert kinds(r, lambda: r.expire_calls(at(3600))) == []
    assert p.present


# -- hang up and delete ------------------------------------------------------------------------------


def test_hang_up_drops_sites_and_keeps_invitees() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300")], at(1))
    r.answer(c.participant_id, at(2))
    (d,) = r.invite([Invitee("d", "400")], at(3))
    r.settle()
    new = kinds(
        r, lambda: r.hang_up(["nobody", c.participant_id, d.participant_id, c.participant_id], at(10))
    )
    assert new == [K.HUNG_UP, K.LEFT]  # d was being called: no LEFT
    assert r.sites == {} and c.left_at == at(10) and d.left_at == at(10)
    assert r.closed == [(c.participant_id, at(10))]
    assert [i.phone for i in r.meeting.room.invitees] == ["300", "400"]
    r.settle()
    assert r.meeting.room.call_deadline is None


def test_hang_up_of_unknown_ids_only_changes_nothing() -> None:
    r = make_room()
    r.join("a", at(1))
    before = snapshot(r)
    r.hang_up(["nobody"], at(2))
    assert snapshot(r) == before


def test_delete_attendees_removes_invitees_and_drops_their_sites() -> None:
    r = make_room()
    r.join("h", at(1), password=CHAIR)
    (c,) = r.invite([Invitee("c", "300")], at(2))
    r.answer(c.participant_id, at(3))
    (d,) = r.invite([Invitee("d", "400")], at(4))
    r.invite([Invitee("e", "500")], at(5))
    new = kinds(r, lambda: r.delete_attendees([("300", c.participant_id), ("400", "")], at(10)))
    assert new == [K.ATTENDEES_DELETED, K.LEFT]
    assert [i.phone for i in r.meeting.room.invitees] == ["500"]
    assert c.left_at == at(10) and d.left_at == at(10)
    assert sorted(p.phone for p in r.sites.values()) == ["", "500"]
    assert r.closed == [(c.participant_id, at(10))]


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ([("300", ""), ("999", "")], errors.AttendeeNotFound),
        ([("", "")], errors.CallNumberEmpty),
    ],
)
def test_delete_attendees_refuses_unknown_numbers_whole(
    items: list[tuple[str, str]], error: type[Exception]
) -> None:
    r = make_room()
    r.invite([Invitee("c", "300")], at(1))
    refused(r, error, lambda: r.delete_attendees(items, at(2)))


# -- rename, roles -----------------------------------------------------------------------------------


def test_rename_by_id_or_number() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300")], at(1))
    assert kinds(r, lambda: r.rename(c.participant_id, "", "Carol", at(2))) == [K.RENAMED]
    assert c.name == "Carol" and r.meeting.room.invitees[0].name == "Carol"
    r.hang_up([c.participant_id], at(3))
    assert kinds(r, lambda: r.rename("", "300", "C.", at(4))) == [K.RENAMED]  # an invitee offline
    assert r.meeting.room.invitees[0].name == "C."
    a = r.join("a", at(5), phone="100")
    r.rename("", "100", "Alice", at(6))
    assert a.name == "Alice"
    refused(r, errors.SiteNameEmpty, lambda: r.rename(a.participant_id, "", "", at(7)))
    refused(r, errors.NewNameTooLong, lambda: r.rename(a.participant_id, "", "n" * 97, at(7)))
    refused(r, errors.SiteNotFound, lambda: r.rename("nobody", "", "x", at(7)))
    refused(r, errors.SiteNotFound, lambda: r.rename("", "999", "x", at(7)))
    refused(r, errors.CallNumberEmpty, lambda: r.rename("", "", "x", at(7)))


def test_set_role_moves_the_host() -> None:
    r = make_room()
    host, a, b = host_and_two(r)
    r.set_cohost(a.participant_id, 1, at(4))
    r.hand(a.participant_id, 1, at(4))
    new = kinds(r, lambda: r.set_role(a.participant_id, 1, "", at(5)))
    assert new == [K.ROLE_SET]
    assert a.is_host and not host.is_host and r.host is a
    assert not a.cohost and not a.hand
    assert sum(p.is_host for p in r.sites.values()) == 1
    r.set_role(b.participant_id, 1, CHAIR, at(6))
    assert r.host is b and not a.is_host
    new = kinds(r, lambda: r.set_role(b.participant_id, 0, "", at(7)))
    assert new == [K.ROLE_SET] and r.host is None


def test_set_role_refusals() -> None:
    r = make_room(waiting_room=True)
    host = r.join("h", at(1), password=CHAIR)
    w = r.join("w", at(2))
    (c,) = r.invite([Invitee("c", "300")], at(3))
    r.admit(w.participant_id, False, at(4))
    refused(r, errors.ChairPasswordWrong, lambda: r.set_role(w.participant_id, 1, "000000", at(5)))
    refused(r, errors.SiteNotFound, lambda: r.set_role(c.participant_id, 1, "", at(5)))  # being called
    refused(r, errors.SiteNotFound, lambda: r.set_role("nobody", 1, "", at(5)))
    refused(r, errors.SiteNotFound, lambda: r.set_role("nobody", 0, "", at(5)))
    r.move_to_waiting_room([w.participant_id], at(6), batch=False)
    refused(r, errors.SiteNotFound, lambda: r.set_role(w.participant_id, 1, "", at(7)))  # waiting
    assert r.host is host


def test_set_cohost_and_its_refusals() -> None:
    r = make_room()
    host, a, _b = host_and_two(r)
    assert kinds(r, lambda: r.set_cohost(a.participant_id, 1, at(5))) == [K.COHOST_SET]
    assert a.cohost
    refused(r, errors.HostCannotBeCohost, lambda: r.set_cohost(host.participant_id, 1, at(6)))
    refused(r, errors.SiteNotFound, lambda: r.set_cohost("nobody", 1, at(6)))
    (c,) = r.invite([Invitee("c", "300")], at(6))
    refused(r, errors.SiteNotFound, lambda: r.set_cohost(c.participant_id, 1, at(6)))
    r.set_cohost(a.participant_id, 0, at(7))
    assert not a.cohost


def test_at_most_100_cohosts() -> None:
    r = make_room()
    sites = [r.join(f"p{i}", at(1)) for i in range(MAX_COHOSTS + 1)]
    for p in sites[:MAX_COHOSTS]:
        r.set_cohost(p.participant_id, 1, at(2))
    refused(r, errors.InvalidParameter, lambda: r.set_cohost(sites[-1].participant_id, 1, at(3)))
    r.set_cohost(sites[0].participant_id, 1, at(3))  # already one: not a 101st
    r.set_cohost(sites[0].participant_id, 0, at(4))
    r.set_cohost(sites[-1].participant_id, 1, at(5))
    assert sum(p.cohost for p in r.sites.values()) == MAX_COHOSTS


def test_a_cohost_leaving_or_moved_to_the_waiting_room_is_no_cohost() -> None:
    r = make_room()
    _host, a, b = host_and_two(r)
    r.set_cohost(a.participant_id, 1, at(4))
    r.set_cohost(b.participant_id, 1, at(4))
    r.leave(a.participant_id, at(5))
    r.move_to_waiting_room([b.participant_id], at(5), batch=True)
    assert not a.cohost and not b.cohost


# -- audio, hands, meeting-wide settings -------------------------------------------------------------


def test_mute_one() -> None:
    r = make_room()
    a = r.join("a", at(1))
    assert kinds(r, lambda: r.mute(a.participant_id, 1, at(2))) == [K.MUTED] and a.mute
    assert kinds(r, lambda: r.mute(a.participant_id, 0, at(3))) == [K.MUTED] and not a.mute
    refused(r, errors.SiteNotFound, lambda: r.mute("nobody", 1, at(4)))


def test_mute_meeting_mutes_all_but_the_host_and_later_joiners() -> None:
    r = make_room()
    host, a, b = host_and_two(r)
    assert kinds(r, lambda: r.mute_meeting(1, 0, at(5))) == [K.MEETING_MUTED]
    assert (r.meeting.room.mute, r.meeting.room.can_unmute) == (1, 0)
    assert not host.mute and a.mute and b.mute
    later = r.join("later", at(6))
    assert later.mute
    r.leave(host.participant_id, at(7))
    new_host = r.join("host again", at(8), password=CHAIR)
    assert new_host.is_host and not new_host.mute
    r.mute(a.participant_id, 0, at(9))
    assert kinds(r, lambda: r.mute_meeting(0, 1, at(10))) == [K.MEETING_MUTED]
    assert r.meeting.room.mute == 0
    assert b.mute and later.mute and not a.mute  # nobody is un-muted by force
    assert not r.join("after", at(11)).mute


def test_allow_guest_unmute() -> None:
    r = make_room()
    assert kinds(r, lambda: r.allow_guest_unmute(0, at(1))) == [K.GUEST_UNMUTE_SET]
    assert r.meeting.room.can_unmute == 0


def test_hands() -> None:
    r = make_room()
    host, a, b = host_and_two(r)
    assert kinds(r, lambda: r.hand(a.participant_id, 1, at(4))) == [K.HAND_SET] and a.hand
    refused(r, errors.HostHandForbidden, lambda: r.hand(host.participant_id, 1, at(5)))
    refused(r, errors.SiteNotFound, lambda: r.hand("nobody", 1, at(5)))
    r.hand(host.participant_id, 0, at(5))  # lowering is fine
    new = kinds(r, lambda: r.batch_hand([a.participant_id, b.participant_id, "nobody"], 1, at(6)))
    assert new == [K.HANDS_SET] and a.hand and b.hand
    refused(
        r, errors.HostHandForbidden, lambda: r.batch_hand([b.participant_id, host.participant_id], 1, at(7))
    )
    assert kinds(r, lambda: r.batch_hand([host.participant_id, a.participant_id], 0, at(8))) == [K.HANDS_SET]
    assert not a.hand and b.hand
    assert kinds(r, lambda: r.batch_hand(["nobody"], 1, at(9))) == []


def test_pause_and_invite_video() -> None:
    r = make_room(waiting_room=True)
    host = r.join("h", at(1), password=CHAIR)
    w = r.join("w", at(2))
    assert kinds(r, lambda: r.pause(1, at(3))) == [K.PAUSED] and r.meeting.room.pause
    assert kinds(r, lambda: r.pause(0, at(4))) == [K.PAUSED] and not r.meeting.room.pause
    before = copy.deepcopy(r.sites)
    assert kinds(r, lambda: r.invite_video(host.participant_id, 0, at(5))) == [K.VIDEO_INVITED]
    assert r.sites == before
    refused(r, errors.SiteNotFound, lambda: r.invite_video(w.participant_id, 0, at(6)))


def test_update_config_sets_the_given_settings() -> None:
    r = make_room()
    new = kinds(r, lambda: r.update_config({"lock_sharing": 1, "allow_rename": 0}, at(1)))
    assert new == [K.CONFIG_UPDATED]
    assert (r.meeting.room.lock_sharing, r.meeting.room.allow_rename) == (1, 0)


# -- broadcast and roll call -------------------------------------------------------------------------


def test_broadcast_rollcall_and_cancel() -> None:
    r = make_room()
    host, a, b = host_and_two(r)
    c = r.join("c", at(4))
    assert kinds(r, lambda: r.broadcast(a.participant_id, at(5))) == [K.BROADCAST]
    assert a.broadcast and r.meeting.room.mode == "BROADCAST"
    r.broadcast(b.participant_id, at(6))
    assert b.broadcast and not a.broadcast
    host.mute = True
    b.mute = True
    assert kinds(r, lambda: r.rollcall(b.participant_id, at(7))) == [K.ROLLCALL]
    assert r.meeting.room.mode == "ROLLCALL"
    assert b.rollcall and not b.broadcast and not b.mute
    assert a.mute and c.mute and host.mute  # the host is left as it was
    host.mute = False
    r.rollcall(host.participant_id, at(8))
    assert host.rollcall and not b.rollcall and not host.mute
    assert sum(p.broadcast or p.rollcall for p in r.sites.values()) == 1
    assert kinds(r, lambda: r.cancel_broadcast(at(9))) == [K.BROADCAST_CANCELLED]
    assert r.meeting.room.mode == "FREE"
    assert not any(p.broadcast or p.rollcall for p in r.sites.values())


def test_the_floor_is_released_when_its_holder_goes() -> None:
    r = make_room()
    _host, a, b = host_and_two(r)
    r.broadcast(a.participant_id, at(4))
    r.leave(a.participant_id, at(5))
    assert r.meeting.room.mode == "FREE" and not a.broadcast
    r.rollcall(b.participant_id, at(6))
    r.move_to_waiting_room([b.participant_id], at(7), batch=False)
    assert r.meeting.room.mode == "FREE" and not b.rollcall


def test_the_floor_needs_a_site_in_the_meeting() -> None:
    r = make_room()
    (c,) = r.invite([Invitee("c", "300")], at(1))
    refused(r, errors.SiteNotFound, lambda: r.broadcast(c.participant_id, at(2)))
    refused(r, errors.SiteNotFound, lambda: r.rollcall(c.participant_id, at(2)))
    refused(r, errors.SiteNotFound, lambda: r.broadcast("nobody", at(2)))


# -- attendance and limits ---------------------------------------------------------------------------


def test_attendance_sessions_follow_entering_and_leaving_the_meeting_itself() -> None:
    r = make_room(waiting_room=True)
    h = r.join("h", at(1), password=CHAIR)
    w = r.join("w", at(2))
    (c,) = r.invite([Invitee("c", "300")], at(3))
    r.answer(c.participant_id, at(4))
    r.admit(w.participant_id, False, at(5))
    r.move_to_waiting_room([w.participant_id], at(6), batch=False)
    r.admit("", True, at(7))
    r.hang_up([c.participant_id], at(8))
    r.leave(w.participant_id, at(9))
    assert [(s.participant_id, s.at) for s in r.opened] == [
        (h.participant_id, at(1)),
        (c.participant_id, at(4)),
        (w.participant_id, at(5)),
        (w.participant_id, at(7)),
    ]
    assert r.closed == [
        (w.participant_id, at(6)),
        (c.participant_id, at(8)),
        (w.participant_id, at(9)),
    ]


def test_a_room_of_a_new_run_ignores_the_previous_runs_sites() -> None:
    r = make_room()
    old = r.join("a", at(1))
    gone = r.join("b", at(2))
    r.leave(gone.participant_id, at(3))
    again = Room(r.meeting, [old, gone])
    assert list(again.sites) == [old.participant_id]
    old_run = copy.copy(old)
    old_run.conf_uuid = "another run"
    assert Room(r.meeting, [old_run]).sites == {}


def test_at_most_500_sites() -> None:
    r = make_room()
    for i in range(MAX_SITES - 1):
        r.join(f"p{i}", at(1))
    r.invite([Invitee("c", "300")], at(2))
    refused(r, errors.TooManyParticipants, lambda: r.join("one too many", at(3)))
    with pytest.raises(errors.TooManyParticipants):  # the service's transaction then writes nothing
        r.invite([Invitee("d", "400")], at(3))


def test_the_room_state_survives_its_json_form() -> None:
    r = make_room()
    r.invite([Invitee("c", "300", role=1)], at(1))
    r.lock(1, at(2))
    r.settle()
    state = r.meeting.room
    assert RoomState.from_json(state.to_json()) == state
    assert RoomState.from_json(None) == RoomState()


def test_each_host_operation_appends_exactly_one_control_record() -> None:
    r = make_room(waiting_room=True)
    host = r.join("h", at(1), password=CHAIR)
    for i in range(3):
        r.join(f"w{i}", at(2))
    r.admit("", True, at(3))
    a, b, c = (p for p in r.sites.values() if not p.is_host)
    pid = a.participant_id
    ops: list[tuple[EventKind, Callable[[], object]]] = [
        (K.INVITED, lambda: r.invite([Invitee("x", "900")], at(4))),
        (K.RENAMED, lambda: r.rename(pid, "", "A", at(4))),
        (K.COHOST_SET, lambda: r.set_cohost(pid, 1, at(4))),
        (K.MUTED, lambda: r.mute(pid, 1, at(4))),
        (K.MEETING_MUTED, lambda: r.mute_meeting(1, 1, at(4))),
        (K.GUEST_UNMUTE_SET, lambda: r.allow_guest_unmute(1, at(4))),
        (K.HAND_SET, lambda: r.hand(pid, 1, at(4))),
        (K.HANDS_SET, lambda: r.batch_hand([pid], 0, at(4))),
        (K.LOCKED, lambda: r.lock(1, at(4))),
        (K.CONFIG_UPDATED, lambda: r.update_config({"waiting_room": 1}, at(4))),
        (K.PAUSED, lambda: r.pause(1, at(4))),
        (K.VIDEO_INVITED, lambda: r.invite_video(pid, 0, at(4))),
        (K.BROADCAST, lambda: r.broadcast(pid, at(4))),
        (K.BROADCAST_CANCELLED, lambda: r.cancel_broadcast(at(4))),
        (K.ROLLCALL, lambda: r.rollcall(pid, at(4))),
        (K.ROLE_SET, lambda: r.set_role(pid, 1, "", at(4))),
        (K.MOVED_TO_WAITING, lambda: r.move_to_waiting_room([b.participant_id], at(5), batch=False)),
        (K.ADMITTED, lambda: r.admit(b.participant_id, False, at(6))),
        (K.HUNG_UP, lambda: r.hang_up([c.participant_id], at(7))),
        (K.ATTENDEES_DELETED, lambda: r.delete_attendees([("900", "")], at(8))),
    ]
    control = {kind for kind, _ in ops}
    for kind, op in ops:
        new = kinds(r, op)
        assert [k for k in new if k in control] == [kind], kind
        assert set(new) <= {kind, K.JOINED, K.LEFT}, kind
        assert all(e.actor == "chair" for e in r.meeting.events if e.kind is kind)
    assert host.role is Role.ATTENDEE and a.is_host


def test_a_host_sent_to_the_waiting_room_is_no_longer_the_host() -> None:
    room = make_room()
    host = room.join("Host", at(1), as_host=True)
    room.move_to_waiting_room([host.participant_id], at(2), batch=False)
    assert room.host is None and host.state is SiteState.WAITING
    newcomer = room.join("Newcomer", at(3), password=CHAIR)
    assert room.host is newcomer  # the chair password makes the next one host
    room.admit(host.participant_id, False, at(4))
    assert room.host is newcomer and host.role is Role.ATTENDEE


def test_an_invitee_invited_as_host_becomes_host_when_joining_by_number() -> None:
    room = make_room(waiting_room=True, attendees=[{"name": "Vip", "phone": "+9901", "role": 1}])
    vip = room.join("Vip", at(1), phone="+9901")
    assert room.host is vip and vip.state is SiteState.IN_MEETING  # the host does not wait
    other = room.join("Other", at(2), phone="+9901")
    assert other.role is Role.ATTENDEE and other.state is SiteState.WAITING  # one host only
