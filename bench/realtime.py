"""bench/realtime: the meeting-control WebSocket under fan-out.

1. 5,000 subscribers on one meeting: for each of 20 extensions, the time from sending the
   extension to the last subscriber receiving the new end time.
2. One subscriber on each of 5,000 meetings: for 200 extensions of random meetings, the time from
   sending the extension to that meeting's subscriber receiving it.
The extension and the subscribers run in one client process; compare against the extend route's
own latency (bench/extend).
Prints p50/p99 and the server's resident memory (VmRSS) idle and with the subscribers connected.
Usage: .venv/bin/python bench/realtime.py [--subscribers 5000] [--meetings 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import harness  # noqa: F401  (puts tests/ on the path for `support`)
import httpx
from websockets.asyncio.client import ClientConnection, connect

from support import Server


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Api:
    def __init__(self, server: Server) -> None:
        self.server = server
        account = server.add_user()
        self.http = httpx.AsyncClient(
            base_url=server.url,
            verify=server.ssl_context(),
            timeout=60,
            headers={"X-Access-Token": server.login(account)},
            limits=httpx.Limits(max_connections=32),
        )

    async def meeting(self) -> tuple[str, str]:
        m = (
            await self.http.post("/v1/mmc/management/conferences", json={"mediaTypes": "Voice", "length": 15})
        ).json()[0]
        chair = next(p["password"] for p in m["passwordEntry"] if p["conferenceRole"] == "chair")
        r = await self.http.get(
            "/v1/mmc/control/conferences/token",
            params={"conferenceID": m["conferenceID"]},
            headers={"X-Password": chair, "X-Login-Type": "1"},
        )
        return m["conferenceID"], r.json()["data"]["token"]

    async def ws_token(self, cid: str, control: str) -> str:
        r = await self.http.get(
            "/v1/mmc/control/conferences/wsToken",
            params={"conferenceID": cid},
            headers={"X-Conference-Authorization": control},
        )
        token: str = r.json()["webSocketToken"]
        return token

    async def extend(self, cid: str, control: str) -> None:
        r = await self.http.put(
            "/v1/mmc/control/conferences/duration",
            params={"conferenceID": cid},
            headers={"X-Conference-Authorization": control},
            json={"auto": 0, "duration": 1},
        )
        assert r.status_code == 200, r.text


async def subscribe(api: Api, cid: str, control: str) -> ClientConnection:
    token = await api.ws_token(cid, control)
    url = f"wss://127.0.0.1:{api.server.port}/cms/open/websocket/confctl/increment/conn?confID={cid}&tmpToken={token}"
    ws = await connect(url, ssl=api.server.ssl_context(), open_timeout=60, max_queue=None)
    await ws.send(
        json.dumps(
            {
                "sequence": "1",
                "action": "Subscribe",
                "data": {"subscribeType": ["ConfDynamicInfoNotify"], "confToken": control},
            }
        )
    )
    while json.loads(await ws.recv()).get("action") != "ConfDynamicInfoNotify":
        pass
    return ws


async def wait_for_end(ws: ClientConnection, end_ms: int) -> float:
    while True:
        frame: dict[str, Any] = json.loads(await ws.recv())
        if frame.get("action") == "ConfDynamicInfoNotify" and int(frame["endTime"]) >= end_ms:
            return time.perf_counter()


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(c: Any) -> Any:
        async with gate:
            return await c

    return await asyncio.gather(*(run(c) for c in coros))


async def one_meeting(server: Server, subscribers: int, rounds: int) -> tuple[list[float], float]:
    api = Api(server)
    cid, control = await api.meeting()
    sockets = await gather_limited([subscribe(api, cid, control) for _ in range(subscribers)], 100)
    rss = rss_mb(server.proc.pid) if server.proc else 0.0
    latencies = []
    for _ in range(rounds):
        sent = time.perf_counter()
        await api.extend(cid, control)
        last = max(await asyncio.gather(*(wait_for_end(ws, 0) for ws in sockets)))
        latencies.append((last - sent) * 1000)
    for ws in sockets:
        await ws.close()
    await api.http.aclose()
    return latencies, rss


async def many_meetings(server: Server, meetings: int, rounds: int) -> tuple[list[float], float]:
    api = Api(server)
    pairs = await gather_limited([api.meeting() for _ in range(meetings)], 32)
    sockets = await gather_limited([subscribe(api, cid, ctl) for cid, ctl in pairs], 100)
    rss = rss_mb(server.proc.pid) if server.proc else 0.0
    latencies = []
    rng = random.Random(7)
    for _ in range(rounds):
        i = rng.randrange(len(pairs))
        cid, ctl = pairs[i]
        sent = time.perf_counter()
        await api.extend(cid, ctl)
        arrived = await wait_for_end(sockets[i], 0)
        latencies.append((arrived - sent) * 1000)
    for ws in sockets:
        await ws.close()
    await api.http.aclose()
    return latencies, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "overtime")
        server.start()
        try:
            idle = rss_mb(server.proc.pid) if server.proc else 0.0
            fan, fan_rss = asyncio.run(one_meeting(server, args.subscribers, args.rounds))
            spread, spread_rss = asyncio.run(many_meetings(server, args.meetings, args.rounds * 10))
        finally:
            server.stop()
    print(f"server RSS idle: {idle:.0f} MB\n")
    print(f"{'':<52} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>8}")
    print(
        f"{f'{args.subscribers} subscribers on one meeting (to the last one)':<52} "
        f"{statistics.median(fan):>8.1f} {pct(fan, 99):>8.1f} {fan_rss:>8.0f}"
    )
    print(
        f"{f'1 subscriber on each of {args.meetings} meetings':<52} "
        f"{statistics.median(spread):>8.1f} {pct(spread, 99):>8.1f} {spread_rss:>8.0f}"
    )


if __name__ == "__main__":
    main()
