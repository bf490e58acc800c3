"""The meeting-control WebSocket refuses what it cannot bound (issue 9, finding 2).

Each test holds only the guest password of a meeting, as the attacker in the issue did, and
talks to a real server over TLS with the real `websockets` client."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from support import Server, ServerFactory

pytestmark = pytest.mark.anyio

MEETINGS = "/v1/mmc/management/conferences"
MAX_FRAME = 64 * 1024


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def limits_server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server of this module's own: the memory test reads its RSS."""
    return make_server(tmp_path_factory.mktemp("ws-limits"), [])


@pytest.fixture
def http(limits_server: Server) -> Iterator[httpx.Client]:
    account = limits_server.add_user()
    with limits_server.client(headers={"X-Access-Token": limits_server.login(account)}) as c:
        yield c


def guest_control(server: Server, http: httpx.Client) -> tuple[str, dict[str, Any]]:
    """A new meeting's id and the control token data (with tmpWsToken) of its guest password."""
    r = http.post(MEETINGS, json={"mediaTypes": "Voice", "length": 30})
    assert r.status_code == 200, r.text
    meeting = r.json()[0]
    guest = next(p["password"] for p in meeting["passwordEntry"] if p["conferenceRole"] != "chair")
    r = http.get(
        "/v1/mmc/control/conferences/token",
        params={"conferenceID": meeting["conferenceID"]},
        headers={"X-Password": guest, "X-Login-Type": "1"},
    )
    assert r.status_code == 200, r.text
    return meeting["conferenceID"], r.json()["data"]


@asynccontextmanager
async def guest_socket(
    server: Server, http: httpx.Client, *, subscribe: bool = True, **options: Any
) -> AsyncIterator[tuple[str, ClientConnection]]:
    conference_id, control = guest_control(server, http)
    url = (
        f"wss://127.0.0.1:{server.port}/cms/open/websocket/confctl/increment/conn"
        f"?confID={conference_id}&tmpToken={control['tmpWsToken']}"
    )
    async with connect(url, ssl=server.ssl_context(), max_size=None, **options) as ws:
        if subscribe:
            token = "Basic " + base64.b64encode(control["token"].encode()).decode()
            data = {"subscribeType": ["ConfDynamicInfoNotify"], "confToken": token}
            await ws.send(json.dumps({"sequence": "1", "action": "Subscribe", "data": json.dumps(data)}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert reply["data"]["returnCode"] == 0, reply
        yield conference_id, ws


async def close_code(ws: ClientConnection, timeout: float = 10.0) -> int | None:
    """Reads (and drops) frames until the server closes; the code it sent, None for none."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed as e:
        return e.rcvd.code if e.rcvd else None
    except TimeoutError:
        pytest.fail("the server did not close the socket")


def server_log(server: Server) -> str:
    return (server.data_dir / "server.log").read_text(errors="replace")


def logged_close(server: Server, conference_id: str, code: int) -> str:
    """The server's one log line for this socket's close with `code`."""
    for _ in range(50):
        lines = [
            line
            for line in server_log(server).splitlines()
            if f"conference={conference_id} " in line and f"closing {code} " in line
        ]
        if lines:
            assert len(lines) == 1, lines
            return lines[0]
        time.sleep(0.1)
    pytest.fail(f"no close {code} logged for conference {conference_id}:\n{server_log(server)[-2000:]}")


def heartbeat(size: int, sequence: int = 1) -> str:
    """A HeartBeat frame of exactly `size` bytes (padded in an extra field)."""
    empty = json.dumps({"sequence": str(sequence), "action": "HeartBeat", "pad": ""})
    return json.dumps({"sequence": str(sequence), "action": "HeartBeat", "pad": "x" * (size - len(empty))})


def rss_mb(server: Server) -> float:
    assert server.proc is not None
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match, status
    return int(match.group(1)) / 1024


async def test_a_binary_frame_closes_1003(limits_server: Server, http: httpx.Client) -> None:
    async with guest_socket(limits_server, http) as (conference_id, ws):
        await ws.send(b"\x00" * 10)
        assert await close_code(ws) == 1003
    assert "binary" in logged_close(limits_server, conference_id, 1003)


@pytest.mark.parametrize("size", [MAX_FRAME + 1, 4 * 1024 * 1024])
async def test_a_frame_over_64_kib_closes_1009(limits_server: Server, http: httpx.Client, size: int) -> None:
    async with guest_socket(limits_server, http) as (conference_id, ws):
        at_the_limit = heartbeat(MAX_FRAME)
        assert len(at_the_limit) == MAX_FRAME
        await ws.send(at_the_limit)
        while (echo := json.loads(await asyncio.wait_for(ws.recv(), 5)))["action"] != "HeartBeat":
            pass
        assert echo == json.loads(at_the_limit)
        await ws.send(heartbeat(size))
        assert await close_code(ws) == 1009
    assert "frame over 65536 bytes" in logged_close(limits_server, conference_id, 1009)


async def test_a_frame_over_16_mib_ends_the_connection_with_a_log_line(
    limits_server: Server, http: httpx.Client
) -> None:
    """granian itself drops such a frame (no close code, and the app is only told 1005)."""
    async with guest_socket(limits_server, http) as (conference_id, ws):
        await ws.send(heartbeat(16 * 1024 * 1024 + 1))
        await close_code(ws)
    for _ in range(50):
        lines = [
            line for line in server_log(limits_server).splitlines() if f"conference={conference_id} " in line
        ]
        if lines:
            break
        time.sleep(0.1)
    assert len(lines) == 1 and "ended 1005 (" in lines[0] and "16 MiB" in lines[0], lines


@pytest.mark.parametrize(
    "frame",
    [
        "HeartBeat",
        '[{"action": "HeartBeat"}]',
        "42",
        '{"action": "HeartBeat", "x": ' + "[" * 5000 + "]" * 5000 + "}",  # past Python's recursion limit
        '{"action": "HeartBeat", "x": ' + "[" * 20 + "]" * 20 + "}",
    ],
    ids=["not-json", "array", "number", "5000-deep", "20-deep"],
)
async def test_a_frame_that_is_not_a_json_object_closes_1007(
    limits_server: Server, http: httpx.Client, frame: str
) -> None:
    async with guest_socket(limits_server, http) as (conference_id, ws):
        await ws.send(frame)
        assert await close_code(ws) == 1007
    logged_close(limits_server, conference_id, 1007)


async def test_a_client_that_never_reads_is_closed_1008_and_memory_stays_bounded(
    limits_server: Server, http: httpx.Client
) -> None:
    """Heartbeats just under the frame limit, never reading the echoes: without a bound the
    server would hold all 2,000 echoes, 120 MB (the issue saw 170 -> 300 MB)."""
    start = peak = rss_mb(limits_server)
    # max_queue=1: the client library stops reading from the socket after one frame.
    async with guest_socket(limits_server, http, max_queue=1, ping_interval=None) as (conference_id, ws):
        frame = heartbeat(MAX_FRAME - 1024)
        for i in range(2000):
            try:
                await asyncio.wait_for(ws.send(frame), 2)
            except (TimeoutError, websockets.ConnectionClosed):
                break
            if i % 50 == 0:
                peak = max(peak, rss_mb(limits_server))
                if f"conference={conference_id} " in server_log(limits_server):
                    break  # the server has given up on us: now read, down to its close frame
        peak = max(peak, rss_mb(limits_server))
        assert peak - start < 50, f"server RSS {start:.0f} MB -> {peak:.0f} MB"
        assert await close_code(ws) == 1008
    assert "slow consumer" in logged_close(limits_server, conference_id, 1008)
