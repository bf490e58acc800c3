"""Fault rules (issue 13 §3) over real HTTPS: every action (error, delay, drop, close the
meeting's WebSockets), matching by operation, method + path, conferenceID and account;
probability with a seed (reproducible), count, expiry; list, delete, clear; bad rules refused."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ServerResponseException
from huaweicloudsdkmeeting.v1 import CreateMeetingRequest, RestScheduleConfDTO
from websockets.exceptions import ConnectionClosed

from overtime.testing import OvertimeServer
from toolkit.helpers import MEETINGS, Member

FAULTS = "/sandbox/v1/faults"
DETAIL = f"{MEETINGS}/confDetail"


@pytest.fixture
def alice(overtime: OvertimeServer) -> Iterator[Member]:
    member = Member(overtime, "alice")
    yield member
    member.close()


def test_an_error_by_operation_reaches_the_sdk_once(overtime: OvertimeServer) -> None:
    rule = overtime.add_fault(
        operation="create_meeting", action="error", status=503, errorCode="MMC.111070003",
        errorMsg="Try later.", count=1,
    )  # fmt: skip
    client = overtime.sdk_client(*overtime.add_user("bob"))
    request = CreateMeetingRequest(body=RestScheduleConfDTO(media_types="Voice", subject="s", length=30))
    with pytest.raises(ServerResponseException) as refused:
        client.create_meeting(request)
    assert (refused.value.status_code, refused.value.error_code, refused.value.error_msg) == (
        503, "MMC.111070003", "Try later.",
    )  # fmt: skip
    assert client.create_meeting(request).status_code == 200  # count 1: the rule is gone
    assert overtime.faults() == []
    faulted, passed = overtime.requests(operation="create_meeting")
    assert (faulted["fault"], faulted["status"], faulted["errorCode"]) == (rule["id"], 503, "MMC.111070003")
    assert (passed["fault"], passed["status"]) == (0, 200)


def test_method_path_conference_and_account_narrow_a_rule(overtime: OvertimeServer, alice: Member) -> None:
    bob = Member(overtime, "bob")
    try:
        a = alice.create()["conferenceID"]
        b = alice.create()["conferenceID"]
        overtime.add_fault(
            method="GET", path=DETAIL, conferenceID=a, account="alice", action="error", status=500
        )
        assert alice.http.get(DETAIL, params={"conferenceID": a}).status_code == 500
        assert alice.http.get(DETAIL, params={"conferenceID": b}).status_code == 200
        assert (
            bob.http.get(DETAIL, params={"conferenceID": a}).status_code == 400
        )  # not his: the server's answer
        assert alice.http.get(MEETINGS).status_code == 200
    finally:
        bob.close()


def test_a_delay_then_the_real_answer(overtime: OvertimeServer, alice: Member) -> None:
    overtime.add_fault(operation="search_meetings", action="delay", delayMs=400)
    started = time.monotonic()
    r = alice.http.get(MEETINGS)
    assert r.status_code == 200
    assert r.json()["count"] == 0
    assert time.monotonic() - started >= 0.4
    assert overtime.requests(operation="search_meetings")[0]["durationMs"] >= 400


def test_an_error_after_a_delay(overtime: OvertimeServer, alice: Member) -> None:
    overtime.add_fault(operation="search_meetings", action="error", status=504, errorCode="X.1", delayMs=200)
    started = time.monotonic()
    r = alice.http.get(MEETINGS)
    assert (r.status_code, r.json()) == (
        504,
        {"error_code": "X.1", "error_msg": "Fault injected by the sandbox."},
    )
    assert time.monotonic() - started >= 0.2


def test_a_dropped_connection(overtime: OvertimeServer, alice: Member) -> None:
    rule = overtime.add_fault(operation="search_meetings", action="drop", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        alice.http.get(MEETINGS)
    assert alice.http.get(MEETINGS).status_code == 200
    assert overtime.requests(operation="search_meetings")[0]["fault"] == rule["id"]


def test_closing_the_meetings_websockets(overtime: OvertimeServer, alice: Member) -> None:
    meeting = alice.create()
    cid = meeting["conferenceID"]
    with alice.subscribe(meeting) as ws:
        overtime.add_fault(operation="join", conferenceID=cid, action="close_websockets")
        overtime.join(cid, name="Gina")  # the request itself is answered
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1011
        assert "fault rule" in closed.value.rcvd.reason


def _pattern(overtime: OvertimeServer, member: Member, seed: int) -> list[int]:
    overtime.add_fault(operation="search_meetings", action="error", status=503, probability=0.5, seed=seed)
    statuses = [member.http.get(MEETINGS).status_code for _ in range(16)]
    overtime.clear_faults()
    return statuses


def test_probability_is_reproducible_from_the_seed(overtime: OvertimeServer, alice: Member) -> None:
    first = _pattern(overtime, alice, 7)
    again = _pattern(overtime, alice, 7)
    other = _pattern(overtime, alice, 8)
    rng = random.Random(7)
    assert first == again == [503 if rng.random() < 0.5 else 200 for _ in range(16)]
    assert {200, 503} == set(first)
    assert other != first


def test_a_rule_expires_on_the_sandbox_clock(overtime: OvertimeServer, alice: Member) -> None:
    overtime.add_fault(operation="search_meetings", action="error", status=500, expiresInSeconds=60)
    assert alice.http.get(MEETINGS).status_code == 500
    overtime.advance(minutes=2)
    assert alice.http.get(MEETINGS).status_code == 200
    assert overtime.faults() == []


def test_rules_are_listed_deleted_and_cleared(overtime: OvertimeServer, alice: Member) -> None:
    one = overtime.add_fault(operation="search_meetings", action="error")
    two = overtime.add_fault(method="GET", path=DETAIL, action="delay", delayMs=10, count=3)
    assert [r["id"] for r in overtime.faults()] == [one["id"], two["id"]]
    assert two == {
        "id": two["id"], "action": "delay", "operation": None, "method": "GET", "path": DETAIL,
        "conferenceID": None, "account": None, "status": 500, "errorCode": "MMC.111070003",
        "errorMsg": "Fault injected by the sandbox.", "delayMs": 10, "probability": 1.0, "count": 3,
        "expiresAt": None, "seed": 0, "fired": 0, "remaining": 3,
    }  # fmt: skip
    overtime.delete_fault(one["id"])
    assert alice.http.get(MEETINGS).status_code == 200
    assert [r["id"] for r in overtime.faults()] == [two["id"]]
    r = overtime.http.delete(f"{FAULTS}/{one['id']}")
    assert (r.status_code, r.json()["error_code"]) == (404, "MMC.111070005")
    assert overtime.http.delete(f"{FAULTS}/abc").status_code == 404
    overtime.clear_faults()
    assert overtime.faults() == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"operation": "x", "action": "explode"}, "Invalid enum value 'explode'"),
        ({"action": "error"}, "a rule needs an operation"),
        ({"operation": "x", "action": "error", "status": 200}, "Expected `int` >= 400"),
        ({"operation": "x", "action": "error", "probability": 2}, "<= 1"),
        ({"operation": "x", "action": "delay", "delayMs": -1}, ">= 0"),
        ({"operation": "x", "action": "error", "colour": "red"}, "unknown field `colour`"),
        ({"path": "no-slash", "action": "error"}, "matching regex '^/'"),
    ],
)
def test_bad_rules_are_400(overtime: OvertimeServer, rule: dict[str, object], message: str) -> None:
    r = overtime.http.post(FAULTS, json=rule)
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "MMC.111071061"
    assert message in r.json()["error_msg"]
    assert overtime.faults() == []


def test_at_most_100_rules(overtime: OvertimeServer) -> None:
    for i in range(100):
        overtime.add_fault(operation=f"op{i}", action="error")
    r = overtime.http.post(FAULTS, json={"operation": "one-more", "action": "error"})
    assert (r.status_code, r.json()["error_msg"]) == (400, "At most 100 fault rules; delete some first.")
