"""The request journal (issue 13 §2): every request answered, with its operation, status, error
code, account, conference and duration, secrets masked; filters; the live SSE stream; the
WebSocket frames the server sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from overtime.testing import OvertimeServer
from support import Server
from toolkit.helpers import MEETINGS, Member

REQUESTS = "/sandbox/v1/requests"


@pytest.fixture
def alice(overtime: OvertimeServer) -> Iterator[Member]:
    member = Member(overtime, "alice")
    yield member
    member.close()


def test_each_request_is_journaled_with_what_it_was(overtime: OvertimeServer, alice: Member) -> None:
    meeting = alice.create(subject="journaled")
    cid = meeting["conferenceID"]
    refused = alice.http.get(f"{MEETINGS}/confDetail", params={"conferenceID": "999999999"})
    assert refused.status_code == 400

    login, create, detail = overtime.requests()
    assert login["operation"] == "create_token"
    assert login["account"] == "alice"
    assert login["status"] == 200
    assert create["method"] == "POST"
    assert create["path"] == MEETINGS
    assert create["operation"] == "create_meeting"
    assert create["account"] == "alice"
    assert create["conferenceID"] == cid  # taken from the answer
    assert create["requestBody"] == {"mediaTypes": "Voice", "length": 30, "subject": "journaled"}
    assert create["durationMs"] > 0
    assert create["time"] >= login["time"]
    assert detail["query"] == {"conferenceID": "999999999"}
    assert detail["conferenceID"] == "999999999"
    assert (detail["status"], detail["errorCode"]) == (400, "MMC.111070005")
    assert detail["id"] > create["id"] > login["id"]


def test_secrets_are_masked(overtime: OvertimeServer, alice: Member) -> None:
    meeting = alice.create(confConfigInfo={"guestPwd": "654321"})
    alice.control(meeting)
    text = json.dumps(overtime.requests())
    for secret in (alice.password, alice.token, alice.chair_password(meeting), "654321"):
        assert secret not in text
    login = overtime.requests(operation="create_token")[0]
    assert login["responseBody"]["accessToken"] == "***"
    assert login["responseBody"]["refreshToken"] == "***"
    control = overtime.requests(operation="create_conf_token")[0]
    assert control["responseBody"]["data"]["token"] == "***"
    assert control["account"] == "alice"
    create = overtime.requests(operation="create_meeting")[0]
    assert create["requestBody"]["confConfigInfo"]["guestPwd"] == "***"


def test_filters(overtime: OvertimeServer, alice: Member) -> None:
    first = alice.create()["conferenceID"]
    middle = overtime.advance(minutes=1)
    second = alice.create()["conferenceID"]
    overtime.join(second, name="p")
    alice.http.get(f"{MEETINGS}/confDetail", params={"conferenceID": "123"})

    def ops(**query: object) -> list[str]:
        r = overtime.http.get(REQUESTS, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["count"] == len(body["data"])
        return [e["operation"] for e in body["data"]]

    assert ops(operation="create_meeting") == ["create_meeting", "create_meeting"]
    assert ops(status=400) == ["show_meeting_detail"]
    assert ops(conferenceID=second) == ["create_meeting", "join"]
    assert ops(conferenceID=first) == ["create_meeting"]
    assert ops(since=int(middle.timestamp() * 1000) - 1) == ["create_meeting", "join", "show_meeting_detail"]
    last_id = overtime.requests()[-2]["id"]
    assert ops(after=last_id) == ["show_meeting_detail"]
    assert ops(limit=2) == ["join", "show_meeting_detail"]
    assert ops(kind="websocket") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "abc"}, "got `str` - at `$.status`"),
        ({"status": "99"}, "Expected `int` >= 100"),
        ({"limit": "0"}, "Expected `int` >= 1"),
        ({"kind": "smtp"}, "Invalid enum value 'smtp'"),
        ({"since": "-1"}, "Expected `int` >= 0"),
    ],
)
def test_bad_filters_are_400(overtime: OvertimeServer, query: dict[str, str], message: str) -> None:
    r = overtime.http.get(REQUESTS, params=query)
    assert r.status_code == 400
    assert r.json()["error_code"] == "MMC.111071061"
    assert message in r.json()["error_msg"]


def test_the_stream_sends_the_backlog_then_each_new_request(overtime: OvertimeServer, alice: Member) -> None:
    alice.create(subject="before")
    received: list[dict[str, object]] = []
    opened = threading.Event()

    def read() -> None:
        with (
            httpx.Client(base_url=overtime.url, verify=overtime.ssl_context(), timeout=10) as c,
            c.stream("GET", f"{REQUESTS}/stream", params={"operation": "create_meeting", "timeout": 5}) as r,
        ):
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            opened.set()
            event = ""
            for line in r.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "request":
                    received.append(json.loads(line.split(":", 1)[1]))
                    if len(received) == 2:
                        return

    reader = threading.Thread(target=read)
    reader.start()
    assert opened.wait(10)
    time.sleep(0.2)
    alice.create(subject="after")
    alice.http.get(MEETINGS)  # not a create_meeting: filtered out
    reader.join(10)
    assert not reader.is_alive()
    assert [e["requestBody"]["subject"] for e in received] == ["before", "after"]  # type: ignore[index]


def test_the_stream_ends_after_its_timeout(overtime: OvertimeServer) -> None:
    started = time.monotonic()
    r = overtime.http.get(f"{REQUESTS}/stream", params={"timeout": 0.5})
    assert r.status_code == 200
    assert 0.4 < time.monotonic() - started < 5


def test_websocket_frames_sent_are_journaled(overtime: OvertimeServer, alice: Member) -> None:
    meeting = alice.create()
    cid = meeting["conferenceID"]
    with alice.subscribe(meeting):
        overtime.join(cid, name="Frank")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            frames = overtime.requests(kind="websocket", conference_id=cid)
            if any("Frank" in json.dumps(f["responseBody"]) for f in frames):
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"no frame naming Frank in {frames}")
        assert frames[0]["responseBody"]["action"] == "Subscribe"
        assert "token" not in json.dumps(frames).lower().replace('"***"', "")


def test_stopping_the_server_ends_open_streams() -> None:
    ot = OvertimeServer().start()
    ended = threading.Event()

    def read() -> None:
        with (
            httpx.Client(verify=ot.ssl_context(), timeout=30) as c,
            c.stream("GET", f"{ot.url}{REQUESTS}/stream") as r,
        ):
            lines = list(r.iter_lines())
        assert "event: end" in lines
        ended.set()

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)
    started = time.monotonic()
    ot.stop()
    assert time.monotonic() - started < 5
    reader.join(5)
    assert ended.is_set()


def test_overtime_serve_stops_promptly_with_a_stream_open(tmp_path: Path) -> None:
    server = Server(tmp_path / "server", extra_args=["--sandbox"])
    server.start()
    reader = threading.Thread(
        target=lambda: server.client().get(f"{REQUESTS}/stream", params={"timeout": 60})
    )
    reader.start()
    time.sleep(0.5)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    reader.join(5)
    assert not reader.is_alive()
