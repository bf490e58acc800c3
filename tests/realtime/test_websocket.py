"""The meeting-control WebSocket with a real client over TLS (reference §6, issue 5)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from api.helpers import assert_error
from support import Server, ServerFactory, replica_servers

pytestmark = pytest.mark.anyio

MEETINGS = "/v1/mmc/management/conferences"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def ws_server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Server:
    return make_server(tmp_path_factory.mktemp("ws-server"), ["--sandbox", "--ws-idle-timeout", "2"])


class Host:
    """A member of `ws_server` that drives meetings over HTTPS (the WebSocket tests watch them)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        account = server.add_user()
        self.http = server.client(headers={"X-Access-Token": server.login(account)})

    def create(self, **fields: Any) -> dict[str, Any]:
        r = self.http.post(MEETINGS, json={"mediaTypes": "Voice", "length": 30, **fields})
        assert r.status_code == 200, r.text
        meeting: dict[str, Any] = r.json()[0]
        return meeting

    def control(self, meeting: dict[str, Any], role: str = "chair") -> dict[str, Any]:
        pwd = next(p["password"] for p in meeting["passwordEntry"] if p["conferenceRole"] == role)
        r = self.http.get(
            "/v1/mmc/control/conferences/token",
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Password": pwd, "X-Login-Type": "1"},
        )
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()["data"]
        return data

    def ws_token(self, meeting: dict[str, Any], control_token: str) -> str:
        r = self.http.get(
            "/v1/mmc/control/conferences/wsToken",
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Conference-Authorization": control_token},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["webSocketToken"]
        return token

    def extend(self, meeting: dict[str, Any], control_token: str, minutes: int) -> None:
        r = self.http.put(
            "/v1/mmc/control/conferences/duration",
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Conference-Authorization": control_token},
            json={"auto": 0, "duration": minutes},
        )
        assert r.status_code == 200, r.text

    def stop(self, meeting: dict[str, Any], control_token: str) -> None:
        r = self.http.put(
            "/v1/mmc/control/conferences/stop",
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Conference-Authorization": control_token},
        )
        assert r.status_code == 200, r.text

    def control_call(
        self, method: str, path: str, meeting: dict[str, Any], token: str, body: Any = None, **params: str
    ) -> None:
        """One in-meeting control operation (`/v1/mmc/control/conferences/<path>`) as the host."""
        r = self.http.request(
            method,
            "/v1/mmc/control/conferences/" + path,
            params={"conferenceID": meeting["conferenceID"], **params},
            headers={"X-Conference-Authorization": token},
            json=body,
        )
        assert r.status_code == 200, r.text

    def sandbox(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.http.request(method, "/sandbox/v1" + path, json=body)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer


@pytest.fixture
def ws_host(ws_server: Server) -> Iterator[Host]:
    h = Host(ws_server)
    yield h
    h.http.close()


def ws_url(server: Server, conference_id: str, tmp_token: str) -> str:
    return f"wss://127.0.0.1:{server.port}/cms/open/websocket/confctl/increment/conn?confID={conference_id}&tmpToken={tmp_token}"


@asynccontextmanager
async def subscribed(
    server: Server,
    meeting: dict[str, Any],
    control: dict[str, Any],
    *,
    data_as_string: bool = True,
    types: tuple[str, ...] = (
        "ConfBasicInfoNotify",
        "ConfDynamicInfoNotify",
        "ParticipantsNotify",
        "ConfEndingSoonNotify",
    ),
) -> AsyncIterator[ClientConnection]:
    import base64

    async with connect(
        ws_url(server, meeting["conferenceID"], control["tmpWsToken"]), ssl=server.ssl_context()
    ) as ws:
        data = {
            "conferenceID": meeting["conferenceID"],
            "subscribeType": list(types),
            "confToken": "Basic " + base64.b64encode(control["token"].encode()).decode(),
        }
        await ws.send(
            json.dumps(
                {
                    "sequence": "000000000000000001702459164879",
                    "action": "Subscribe",
                    "data": json.dumps(data) if data_as_string else data,
                }
            )
        )
        reply = json.loads(await ws.recv())
        assert reply == {
            "action": "Subscribe",
            "sequence": "000000000000000001702459164879",
            "data": {"returnCode": 0, "returnDesc": "SUCCESS"},
        }
        yield ws


async def next_frame(
    ws: ClientConnection,
    action: str,
    timeout: float = 5.0,
    where: Callable[[dict[str, Any]], bool] = lambda f: True,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if frame.get("action") == action and where(frame):
            return frame


@pytest.mark.parametrize("data_as_string", [True, False])
async def test_subscribe_sends_full_basic_and_dynamic_info(ws_host: Host, data_as_string: bool) -> None:
    meeting = ws_host.create()
    control = ws_host.control(meeting)
    assert control["wsURL"] == f"wss://127.0.0.1:{ws_host.server.port}"
    async with subscribed(ws_host.server, meeting, control, data_as_string=data_as_string) as ws:
        basic = await next_frame(ws, "ConfBasicInfoNotify")
        dynamic = await next_frame(ws, "ConfDynamicInfoNotify")
    assert basic["confID"] == meeting["conferenceID"] and basic["msgMode"] == 0
    assert {
        "role": "chair",
        "pwd": next(p["password"] for p in meeting["passwordEntry"] if p["conferenceRole"] == "chair"),
    } in basic["pwds"]
    assert dynamic["state"] == "Created"
    assert dynamic["version"] > basic["version"]


async def test_subscriber_sees_new_end_time_after_manual_extension(ws_host: Host) -> None:
    meeting = ws_host.create()
    control = ws_host.control(meeting)
    async with subscribed(ws_host.server, meeting, control) as ws:
        first = await next_frame(ws, "ConfDynamicInfoNotify")
        started = time.monotonic()
        await asyncio.to_thread(ws_host.extend, meeting, control["token"], 40)
        update = await next_frame(ws, "ConfDynamicInfoNotify", timeout=1.0)
        assert time.monotonic() - started < 1.0 + 0.5  # within 1 s of the 200 (plus the HTTP call)
    assert int(update["endTime"]) - int(first["endTime"]) == 40 * 60_000
    assert update["version"] > first["version"]


async def test_subscriber_sees_automatic_extension(ws_host: Host) -> None:
    meeting = ws_host.create()
    control = ws_host.control(meeting)
    ws_host.sandbox("POST", f"/conferences/{meeting['conferenceID']}/participants", {"name": "Ada"})
    async with subscribed(ws_host.server, meeting, control) as ws:
        first = await next_frame(ws, "ConfDynamicInfoNotify")
        await asyncio.to_thread(ws_host.sandbox, "POST", "/clock/advance", {"seconds": 31 * 60})
        update = await next_frame(ws, "ConfDynamicInfoNotify", timeout=1.0)
    assert int(update["endTime"]) - int(first["endTime"]) == 15 * 60_000


async def test_participants_and_ending_soon_notices(ws_host: Host) -> None:
    meeting = ws_host.create(confConfigInfo={"prolongLength": 0})
    control = ws_host.control(meeting)
    async with subscribed(ws_host.server, meeting, control) as ws:
        # This server closes after 2 s of silence; a clock advance on a loaded machine can take
        # longer, so the client beats as a real one would.
        beating = asyncio.create_task(_heartbeats(ws))
        try:
            await asyncio.to_thread(
                ws_host.sandbox,
                "POST",
                f"/conferences/{meeting['conferenceID']}/participants",
                {"name": "Ada"},
            )
            people = await next_frame(ws, "ParticipantsNotify", where=lambda f: bool(f["data"]))
            assert people["msgMode"] == 1  # incremental: only Ada, who joined
            assert [(p["mode"], p["pinfoMap"]["NAME"], p["pinfoMap"]["STATE"]) for p in people["data"]] == [
                (0, "Ada", "0")
            ]
            await asyncio.to_thread(ws_host.sandbox, "POST", "/clock/advance", {"seconds": 21 * 60})
            notice = await next_frame(ws, "ConfEndingSoonNotify", timeout=10.0)
            assert notice["minutesLeft"] == 10
            await asyncio.to_thread(ws_host.sandbox, "POST", "/clock/advance", {"seconds": 5 * 60})
            notice = await next_frame(ws, "ConfEndingSoonNotify", timeout=10.0)
            assert notice["minutesLeft"] == 5
        finally:
            beating.cancel()


async def _heartbeats(ws: ClientConnection) -> None:
    while True:
        await asyncio.sleep(0.5)
        await ws.send(json.dumps({"sequence": str(time.time_ns()), "action": "HeartBeat"}))


async def test_heartbeat_is_echoed_and_silence_closes(ws_host: Host) -> None:
    meeting = ws_host.create()
    control = ws_host.control(meeting)
    async with subscribed(ws_host.server, meeting, control) as ws:
        beat = {"sequence": "1702459164879", "action": "HeartBeat"}
        await ws.send(json.dumps(beat))
        assert await next_frame(ws, "HeartBeat") == beat
        # The server was started with --ws-idle-timeout 2: silence closes the socket.
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 10)


async def test_socket_closes_when_the_meeting_ends(ws_host: Host) -> None:
    meeting = ws_host.create()
    control = ws_host.control(meeting)
    async with subscribed(ws_host.server, meeting, control) as ws:
        await next_frame(ws, "ConfDynamicInfoNotify")
        await asyncio.to_thread(ws_host.stop, meeting, control["token"])
        final = await next_frame(ws, "ConfDynamicInfoNotify")
        assert final["state"] == "Destroyed"
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)


async def test_a_token_of_another_meeting_cannot_subscribe(ws_host: Host) -> None:
    mine, other = ws_host.create(), ws_host.create()
    mine_control, other_control = ws_host.control(mine), ws_host.control(other)
    async with connect(
        ws_url(ws_host.server, mine["conferenceID"], mine_control["tmpWsToken"]),
        ssl=ws_host.server.ssl_context(),
    ) as ws:
        await ws.send(
            json.dumps(
                {
                    "sequence": "1",
                    "action": "Subscribe",
                    "data": {"subscribeType": ["ConfDynamicInfoNotify"], "confToken": other_control["token"]},
                }
            )
        )
        reply = json.loads(await ws.recv())
        assert reply["data"]["returnCode"] != 0
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)


async def test_ws_tokens_are_single_use_and_bound_to_their_meeting(ws_host: Host) -> None:
    mine, other = ws_host.create(), ws_host.create()
    control = ws_host.control(mine)
    token = ws_host.ws_token(mine, control["token"])
    with pytest.raises(websockets.InvalidStatus):
        async with connect(
            ws_url(ws_host.server, other["conferenceID"], token), ssl=ws_host.server.ssl_context()
        ):
            pass
    async with connect(ws_url(ws_host.server, mine["conferenceID"], token), ssl=ws_host.server.ssl_context()):
        pass
    with pytest.raises(websockets.InvalidStatus):
        async with connect(
            ws_url(ws_host.server, mine["conferenceID"], token), ssl=ws_host.server.ssl_context()
        ):
            pass


def test_ws_token_route_needs_a_control_token(ws_host: Host) -> None:
    meeting = ws_host.create()
    r = ws_host.http.get(
        "/v1/mmc/control/conferences/wsToken", params={"conferenceID": meeting["conferenceID"]}
    )
    assert_error(r, 401, "MMC.111070111", "Meeting control token is empty.")


@pytest.fixture
def two_replicas(tmp_path: Path) -> Iterator[list[Server]]:
    with replica_servers(tmp_path, 2, ["--sandbox"]) as servers:
        yield servers


async def test_a_change_on_one_replica_reaches_subscribers_on_another(two_replicas: list[Server]) -> None:
    a, b = Host(two_replicas[0]), Host(two_replicas[1])
    try:
        meeting = a.create()
        control = b.control(meeting)
        async with subscribed(b.server, meeting, control) as ws:
            first = await next_frame(ws, "ConfDynamicInfoNotify")
            await asyncio.to_thread(a.extend, meeting, control["token"], 20)
            update = await next_frame(ws, "ConfDynamicInfoNotify", timeout=1.5)
            assert int(update["endTime"]) - int(first["endTime"]) == 20 * 60_000
            await asyncio.to_thread(a.stop, meeting, control["token"])
            final = await next_frame(ws, "ConfDynamicInfoNotify", timeout=1.5)
            assert final["state"] == "Destroyed"
    finally:
        a.http.close()
        b.http.close()


PEOPLE_TYPES = (
    "ConfDynamicInfoNotify",
    "ParticipantsNotify",
    "AttendeesNotify",
    "WaitingListNotify",
    "InviteResultNotify",
)


async def test_people_changes_arrive_within_a_second_with_increasing_versions(ws_host: Host) -> None:
    """Issue 11: each change to the people of a meeting reaches a subscriber within 1 s, as
    Huawei's incremental frames (`pinfoMap` of strings), with strictly increasing versions."""
    meeting = ws_host.create()
    control = ws_host.control(meeting)
    cid, token = meeting["conferenceID"], control["token"]
    seen: list[dict[str, Any]] = []

    async def expect(
        action: str, where: Callable[[dict[str, Any]], bool], change: Callable[[], object]
    ) -> dict[str, Any]:
        await asyncio.to_thread(change)
        done = time.monotonic()
        frame = await next_frame(ws, action, timeout=1.0, where=where)
        assert time.monotonic() - done < 1.0
        seen.append(frame)
        return frame

    def data_has(pinfo: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
        return lambda f: any(pinfo.items() <= e.get("pinfoMap", {}).items() for e in f["data"])

    async with subscribed(ws_host.server, meeting, control, types=PEOPLE_TYPES) as ws:
        full = await next_frame(ws, "ParticipantsNotify")
        assert (full["msgMode"], full["data"]) == (0, [])
        host = ws_host.sandbox("POST", f"/conferences/{cid}/participants", {"name": "Host", "role": 1})[
            "participantID"
        ]
        invite = {"attendees": [{"name": "Bea", "phone": "+992001", "type": "normal"}]}
        called = await expect(
            "ParticipantsNotify",
            data_has({"NAME": "Bea", "STATE": "1"}),
            lambda: ws_host.control_call("POST", "participants", meeting, token, invite),
        )
        bea = next(e["pid"] for e in called["data"] if e["pinfoMap"].get("NAME") == "Bea")
        assert all(isinstance(v, str) for e in called["data"] for v in e["pinfoMap"].values())
        attendees = await next_frame(ws, "AttendeesNotify", timeout=1.0)
        assert [(a["name"], a["phone"], a["mode"]) for a in attendees["data"]] == [("Bea", "+992001", 0)]
        state = await expect(
            "ParticipantsNotify",
            data_has({"STATE": "0"}),
            lambda: ws_host.sandbox("POST", f"/conferences/{cid}/participants/{bea}/answer"),
        )
        assert state["msgMode"] == 1 and state["data"] == [
            {"pid": bea, "mode": 0, "pinfoMap": {"STATE": "0"}}
        ]
        answered = await next_frame(ws, "InviteResultNotify", timeout=1.0)
        assert answered["data"] == [{"callNumber": "+992001", "resultCode": "0"}]
        await expect(
            "ParticipantsNotify",
            data_has({"MUTE": "1"}),
            lambda: ws_host.control_call(
                "PUT", "participants/mute", meeting, token, {"isMute": 1}, participantID=bea
            ),
        )
        locked = await expect(
            "ConfDynamicInfoNotify",
            lambda f: f["lock"] == 1,
            lambda: ws_host.control_call("PUT", "lock", meeting, token, {"isLock": 1}),
        )
        assert (locked["mute"], locked["canUnmute"], locked["mode"], locked["pause"]) == (0, 1, "FREE", False)
        muted = await expect(
            "ConfDynamicInfoNotify",
            lambda f: f["mute"] == 1,
            lambda: ws_host.control_call(
                "PUT", "mute", meeting, token, {"isMute": 1, "allowUnmuteByOneself": 0}
            ),
        )
        assert muted["canUnmute"] == 0
        await expect(
            "ConfDynamicInfoNotify",
            lambda f: f["mode"] == "ROLLCALL",
            lambda: ws_host.control_call("PUT", "participants/rollCall", meeting, token, participantID=bea),
        )
        await expect(
            "ConfDynamicInfoNotify",
            lambda f: f["mode"] == "FREE",
            lambda: ws_host.control_call("PUT", "cancelBroadcast", meeting, token),
        )
        await expect(
            "ConfDynamicInfoNotify",
            lambda f: f["pause"] is True,
            lambda: ws_host.control_call("PUT", "pause", meeting, token, {"pause": 1}),
        )
        gone = await expect(
            "ParticipantsNotify",
            lambda f: f["data"][0]["mode"] == 1,
            lambda: ws_host.control_call("PUT", "moveToWaitingRoom", meeting, token, {"participantID": bea}),
        )
        waiting = await next_frame(ws, "WaitingListNotify", timeout=1.0)
        assert (waiting["data"][0]["mode"], waiting["data"][0]["pinfoMap"]["NAME"]) == (0, "Bea")
        assert gone["data"] == [{"pid": bea, "mode": 1, "pinfoMap": {}}]
        await expect(
            "ParticipantsNotify",
            data_has({"NAME": "Bea", "STATE": "0"}),
            lambda: ws_host.control_call(
                "PUT", "allowWaitingParticipant", meeting, token, {"allowAll": True}
            ),
        )
        hung = await expect(
            "InviteResultNotify",
            lambda f: True,
            lambda: ws_host.control_call(
                "POST", "participants/delete", meeting, token, {"bulkHangUpParticipants": [bea, host]}
            ),
        )
        assert sorted(e["resultCode"] for e in hung["data"]) == ["11076016", "11076016"]
    versions = [f["version"] for f in seen]
    assert versions == sorted(set(versions)), versions
