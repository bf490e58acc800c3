"""Webhook tooling (issue 13 §6) over real HTTPS to a loopback subscriber: the deliveries,
triggering an event, resending a delivery, and deliveries in the request journal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from overtime.testing import OvertimeServer
from toolkit.helpers import Member
from webhooks.receiver import Receiver

LINK = "/v1/mmc/management/webhook/link-config"
STATUS = "/v1/mmc/management/webhook/change-status"


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    r = Receiver(tmp_path_factory.mktemp("receiver"))
    r.start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def hooked_server(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OvertimeServer]:
    with OvertimeServer(tmp_path_factory.mktemp("hooked"), webhook_ca=receiver.ca) as server:
        yield server


@pytest.fixture
def hooked(hooked_server: OvertimeServer, receiver: Receiver) -> OvertimeServer:
    hooked_server.reset()
    with receiver.lock:
        receiver.calls.clear()
    return hooked_server


def _admin(server: OvertimeServer, receiver: Receiver) -> Member:
    admin = Member(server, "ann", admin=True)
    r = admin.http.post(
        LINK, json={"subscriberId": "sub-1", "subscriberKey": "key-123456", "url": receiver.url}
    )
    assert r.status_code == 200, r.text
    config_id = admin.http.get(LINK).json()["id"]
    r = admin.http.put(STATUS, params={"id": config_id, "status": 0})
    assert r.status_code == 200, r.text
    return admin


def _settled(server: OvertimeServer, cid: str) -> list[dict[str, Any]]:
    """The meeting's deliveries once none is pending (the answer is recorded after it arrives)."""
    deadline = time.monotonic() + 10
    while True:
        deliveries = server.deliveries(cid)
        if all(d["state"] != "pending" for d in deliveries) or time.monotonic() > deadline:
            return deliveries
        time.sleep(0.05)


def test_trigger_resend_and_the_journal(hooked: OvertimeServer, receiver: Receiver) -> None:
    admin = _admin(hooked, receiver)
    try:
        cid = admin.create()["conferenceID"]
        receiver.wait_for(lambda calls: any(c.event == "meeting.started" for c in calls))

        hooked.trigger("meeting.prolong", cid)
        calls = receiver.wait_for(lambda calls: any(c.event == "meeting.prolong" for c in calls))
        [prolong] = [c for c in calls if c.event == "meeting.prolong"]
        assert prolong.signature_ok("key-123456")
        info = prolong.body["eventInfo"]["payload"]
        assert info["meetingInfo"]["meetingID"] == cid
        assert info["prolongInfo"]["newEndTime"] - info["prolongInfo"]["oldEndTime"] == 15 * 60_000

        deliveries = _settled(hooked, cid)
        assert [(d["event"], d["state"]) for d in deliveries] == [
            ("meeting.started", "delivered"),
            ("meeting.prolong", "delivered"),
        ]
        triggered = deliveries[1]
        assert triggered["ledgerId"] == -1
        assert triggered["idempotencyKey"] == prolong.key

        hooked.resend(triggered["id"])
        calls = receiver.wait_for(lambda calls: sum(c.event == "meeting.prolong" for c in calls) == 2)
        again = [c for c in calls if c.event == "meeting.prolong"][1]
        assert again.key == prolong.key
        assert again.body["eventInfo"] == prolong.body["eventInfo"]
        assert _settled(hooked, cid)[1]["attempts"] == 2

        journaled = hooked.requests(kind="webhook", conference_id=cid)
        assert [e["operation"] for e in journaled].count("meeting.prolong") == 2
        assert all(e["status"] == 200 and e["path"] == receiver.url for e in journaled)
        assert journaled[0]["requestBody"]["signature"] == "***"
        assert journaled[0]["requestBody"]["nonce"] == "***"
    finally:
        admin.close()


def test_refusals(hooked: OvertimeServer, receiver: Receiver) -> None:
    member = Member(hooked, "bo")
    try:
        cid = member.create()["conferenceID"]
        http = hooked.http
        r = http.post("/sandbox/v1/webhooks/trigger", json={"event": "meeting.party", "conferenceID": cid})
        assert (r.status_code, r.json()["error_code"]) == (400, "MMC.111071061")
        assert r.json()["error_msg"].startswith("event must be one of meeting.")
        r = http.post("/sandbox/v1/webhooks/trigger", json={"event": "meeting.prolong", "conferenceID": "1"})
        assert (r.status_code, r.json()["error_code"]) == (400, "MMC.111070005")
        r = http.post("/sandbox/v1/webhooks/trigger", json={"event": "meeting.prolong", "conferenceID": cid})
        assert (r.status_code, r.json()["error_code"]) == (400, "MMC.111070005")  # no subscription
        for bad in ("999", "x", "1" * 30):
            r = http.post(f"/sandbox/v1/webhooks/deliveries/{bad}/resend")
            assert (r.status_code, r.json()["error_code"]) == (404, "MMC.111070005")
        r = http.get("/sandbox/v1/webhooks/deliveries", params={"state": "lost"})
        assert r.status_code == 400
    finally:
        member.close()
