"""BEHAVIOUR §3 over HTTP on a sandbox server: auto-extension while someone is present, the end
when nobody is, the 1440-minute cap, scheduled meetings that start or expire, exact ledger times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from api.helpers import Member, assert_error, is_running, new_member, ok, parse_wire_time, password_of
from support import Server
from support.sandbox import Sandbox

ENDED = "MMC.111072006"


@pytest.fixture
def member(sandbox_server: Server) -> Iterator[Member]:
    """Logged in afresh for each test: the sandbox clock moves far and access tokens expire."""
    m = new_member(sandbox_server)
    yield m
    m.close()


def test_sandbox_routes_are_off_by_default(server: Server) -> None:
    with server.client() as c:
        assert c.get("/sandbox/v1/clock").status_code == 404
        assert c.post("/sandbox/v1/clock/advance", json={"seconds": 1}).status_code == 404
        assert c.post("/sandbox/v1/reset").status_code == 404


def test_meeting_ends_at_its_end_time_when_nobody_is_there(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 15})
    cid = meeting["conferenceID"]
    token = member.control_token(meeting)

    sandbox.advance(minutes=14)
    assert is_running(member, cid)
    sandbox.advance(minutes=1.5)

    assert not is_running(member, cid)
    assert cid not in member.list_ids()
    assert_error(member.extend(cid, token, {"auto": 0, "duration": 5}), 400, ENDED, "The meeting has ended.")
    ledger = sandbox.events(cid)
    ended = [e for e in ledger if e["kind"] == "ended"]
    assert len(ended) == 1, ledger
    # Processed at its own due time, not when the clock happened to be moved.
    last_end = [e["newEndTime"] for e in ledger if e["kind"] != "ended" and e["newEndTime"]][-1]
    assert ended[0]["at"] == last_end, ledger


def test_auto_extension_while_someone_is_present(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 10})
    cid = meeting["conferenceID"]
    end = parse_wire_time(meeting["endTime"])
    ann = sandbox.join(cid)

    sandbox.advance(minutes=16)
    assert is_running(member, cid)
    assert member.end_time(cid) == end + timedelta(minutes=10)
    sandbox.advance(minutes=10)
    assert member.end_time(cid) == end + timedelta(minutes=20)

    sandbox.leave(cid, ann)
    sandbox.advance(minutes=10)
    assert not is_running(member, cid)
    auto = [e for e in sandbox.events(cid) if e["kind"] == "auto_extended"]
    assert len(auto) == 2
    for e in auto:
        assert e["at"] == e["oldEndTime"]
        assert e["newEndTime"] - e["oldEndTime"] == 10 * 60_000


def test_step_zero_ends_even_with_someone_present(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    sandbox.join(cid)
    sandbox.advance(minutes=16)
    assert not is_running(member, cid)


def test_extend_auto_sets_the_step_used_at_the_end(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    end = parse_wire_time(meeting["endTime"])
    token = member.control_token(meeting)
    sandbox.join(cid)

    ok(member.extend(cid, token, {"auto": 1, "duration": 20}))
    sandbox.advance(minutes=16)

    assert is_running(member, cid)
    assert member.end_time(cid) == end + timedelta(minutes=20)


def test_manual_extension_postpones_the_end(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    token = member.control_token(meeting)
    ok(member.extend(cid, token, {"auto": 0, "duration": 10}))

    sandbox.advance(minutes=20)
    assert is_running(member, cid)
    sandbox.advance(minutes=6)
    assert not is_running(member, cid)


def test_auto_extension_stops_at_the_cap(sandbox_server: Server, sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(length=1430, confConfigInfo={"prolongLength": 15})
    cid = meeting["conferenceID"]
    start = parse_wire_time(meeting["startTime"])
    sandbox.join(cid)

    sandbox.advance(minutes=1431)
    # The access token of `member` has not lived that long: log in again.
    owner = Member(sandbox_server, member.account, sandbox_server.login(member.account))
    try:
        assert is_running(owner, cid)
        assert owner.end_time(cid) == start + timedelta(minutes=1440)
        sandbox.advance(minutes=10)
        assert not is_running(owner, cid)
    finally:
        owner.close()


def test_participant_starts_a_scheduled_meeting(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(startTime=sandbox.start_in(60), length=30)
    cid = meeting["conferenceID"]
    assert_error(
        member.token_raw(cid, password_of(meeting, "chair")),
        400,
        "MMC.111072005",
        "The meeting has not started or has already ended.",
    )

    sandbox.join(cid)

    assert member.detail(cid)["conferenceState"] == "Created"
    ok(member.token_raw(cid, password_of(meeting, "chair")))


def test_scheduled_meeting_never_started_expires(sandbox: Sandbox, member: Member) -> None:
    meeting = member.create(startTime=sandbox.start_in(60), length=30)
    cid = meeting["conferenceID"]
    sandbox.advance(minutes=60)
    assert cid in member.list_ids()
    sandbox.advance(minutes=35)
    assert cid not in member.list_ids()
    r = member.token_raw(cid, password_of(meeting, "chair"))
    assert r.status_code == 400, r.text


def test_clock_advance_rejects_negative_seconds(sandbox_server: Server) -> None:
    with sandbox_server.client() as c:
        r = c.post("/sandbox/v1/clock/advance", json={"seconds": -5})
    assert 400 <= r.status_code < 500
    assert isinstance(r.json().get("error_code"), str)
