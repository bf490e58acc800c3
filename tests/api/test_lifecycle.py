"""BEHAVIOUR §3 over HTTP on a sandbox server: auto-extension while someone is present, the end
when nobody is, the 1440-minute cap, scheduled meetings that start or expire, exact ledger times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.helpers import Member, assert_error, new_member, ok, parse_wire_time, password_of, wire_time
from support import Server

ENDED = "MMC.111072006"


@pytest.fixture
def member(sandbox_server: Server) -> Iterator[Member]:
    """Logged in afresh for each test: the sandbox clock moves far and access tokens expire."""
    m = new_member(sandbox_server)
    yield m
    m.close()


def advance(server: Server, minutes: float) -> None:
    with server.client() as c:
        r = c.post("/sandbox/v1/clock/advance", json={"seconds": minutes * 60})
    assert r.status_code == 200, r.text


def sandbox_start(server: Server, minutes: int) -> str:
    """A start time `minutes` after the sandbox clock's now (which runs ahead of the wall clock)."""
    with server.client() as c:
        now_ms = c.get("/sandbox/v1/clock").json()["now"]
    return wire_time(datetime.fromtimestamp(now_ms / 1000, UTC) + timedelta(minutes=minutes))


def join(server: Server, conference_id: str, role: int = 0) -> str:
    with server.client() as c:
        r = c.post(
            f"/sandbox/v1/conferences/{conference_id}/participants", json={"name": "Ann", "role": role}
        )
    assert r.status_code == 200, r.text
    participant: str = r.json()["participantID"]
    return participant


def leave(server: Server, conference_id: str, participant: str) -> None:
    with server.client() as c:
        r = c.delete(f"/sandbox/v1/conferences/{conference_id}/participants/{participant}")
    assert r.status_code == 200, r.text


def events(server: Server, conference_id: str) -> list[dict[str, Any]]:
    with server.client() as c:
        r = c.get(f"/sandbox/v1/conferences/{conference_id}/events")
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()
    return entries


def running(member: Member, conference_id: str) -> bool:
    r = member.detail_raw(conference_id)
    if r.status_code != 200:
        assert_error(r, 400, "MMC.111070005")
        return False
    return bool(r.json()["conferenceData"]["conferenceState"] == "Created")


def test_sandbox_routes_are_off_by_default(server: Server) -> None:
    with server.client() as c:
        assert c.get("/sandbox/v1/clock").status_code == 404
        assert c.post("/sandbox/v1/clock/advance", json={"seconds": 1}).status_code == 404
        assert c.post("/sandbox/v1/reset").status_code == 404


def test_meeting_ends_at_its_end_time_when_nobody_is_there(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 15})
    cid = meeting["conferenceID"]
    token = member.control_token(meeting)

    advance(sandbox_server, 14)
    assert running(member, cid)
    advance(sandbox_server, 1.5)

    assert not running(member, cid)
    assert cid not in member.list_ids()
    assert_error(member.extend(cid, token, {"auto": 0, "duration": 5}), 400, ENDED)
    ledger = events(sandbox_server, cid)
    ended = [e for e in ledger if e["kind"] == "ended"]
    assert len(ended) == 1, ledger
    # Processed at its own due time, not when the clock happened to be moved.
    last_end = [e["newEndTime"] for e in ledger if e["kind"] != "ended" and e["newEndTime"]][-1]
    assert ended[0]["at"] == last_end, ledger


def test_auto_extension_while_someone_is_present(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 10})
    cid = meeting["conferenceID"]
    end = parse_wire_time(meeting["endTime"])
    ann = join(sandbox_server, cid)

    advance(sandbox_server, 16)
    assert running(member, cid)
    assert member.end_time(cid) == end + timedelta(minutes=10)
    advance(sandbox_server, 10)
    assert member.end_time(cid) == end + timedelta(minutes=20)

    leave(sandbox_server, cid, ann)
    advance(sandbox_server, 10)
    assert not running(member, cid)
    auto = [e for e in events(sandbox_server, cid) if e["kind"] == "auto_extended"]
    assert len(auto) == 2
    for e in auto:
        assert e["at"] == e["oldEndTime"]
        assert e["newEndTime"] - e["oldEndTime"] == 10 * 60_000


def test_step_zero_ends_even_with_someone_present(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    join(sandbox_server, cid)
    advance(sandbox_server, 16)
    assert not running(member, cid)


def test_extend_auto_sets_the_step_used_at_the_end(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    end = parse_wire_time(meeting["endTime"])
    token = member.control_token(meeting)
    join(sandbox_server, cid)

    ok(member.extend(cid, token, {"auto": 1, "duration": 20}))
    advance(sandbox_server, 16)

    assert running(member, cid)
    assert member.end_time(cid) == end + timedelta(minutes=20)


def test_manual_extension_postpones_the_end(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    token = member.control_token(meeting)
    ok(member.extend(cid, token, {"auto": 0, "duration": 10}))

    advance(sandbox_server, 20)
    assert running(member, cid)
    advance(sandbox_server, 6)
    assert not running(member, cid)


def test_auto_extension_stops_at_the_cap(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(length=1430, confConfigInfo={"prolongLength": 15})
    cid = meeting["conferenceID"]
    start = parse_wire_time(meeting["startTime"])
    join(sandbox_server, cid)

    advance(sandbox_server, 1431)
    # The access token of `member` has not lived that long: log in again.
    owner = Member(sandbox_server, member.account, sandbox_server.login(member.account))
    try:
        assert running(owner, cid)
        assert owner.end_time(cid) == start + timedelta(minutes=1440)
        advance(sandbox_server, 10)
        assert not running(owner, cid)
    finally:
        owner.close()


def test_participant_starts_a_scheduled_meeting(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(startTime=sandbox_start(sandbox_server, 60), length=30)
    cid = meeting["conferenceID"]
    assert_error(member.token_raw(cid, password_of(meeting, "chair")), 400, "MMC.111072005")

    join(sandbox_server, cid)

    assert member.detail(cid)["conferenceState"] == "Created"
    ok(member.token_raw(cid, password_of(meeting, "chair")))


def test_scheduled_meeting_never_started_expires(sandbox_server: Server, member: Member) -> None:
    meeting = member.create(startTime=sandbox_start(sandbox_server, 60), length=30)
    cid = meeting["conferenceID"]
    advance(sandbox_server, 60)
    assert cid in member.list_ids()
    advance(sandbox_server, 35)
    assert cid not in member.list_ids()
    r = member.token_raw(cid, password_of(meeting, "chair"))
    assert r.status_code == 400, r.text


def test_clock_advance_rejects_negative_seconds(sandbox_server: Server) -> None:
    with sandbox_server.client() as c:
        r = c.post("/sandbox/v1/clock/advance", json={"seconds": -5})
    assert 400 <= r.status_code < 500
    assert isinstance(r.json().get("error_code"), str)
