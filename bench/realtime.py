"""bench/realtime: the meeting-control WebSocket under fan-out.

1. 5,000 subscribers on one meeting: for each of 20 extensions, the time from sending the
   extension to the last subscriber receiving the new end time (issue 15: p99 ≤ 200 ms).
2. One subscriber on each of 5,000 meetings: for 200 extensions of random meetings, the time from
   sending the extension to that meeting's subscriber receiving it.
3. Baseline in the same run (the floor): a minimal raw-ASGI app on the same granian + TLS setup
   (`overtime.listener.https_server`) holding 5,000 WebSocket connections, each with one
   coroutine that sends one pre-encoded frame of the same size when an HTTP PUT fires it.

How it is measured: the subscribers run in `--workers` client processes (2 by default, one per
core), each a minimal WebSocket client on asyncio's TLS transport (no websockets library, no JSON
decoding: a frame is counted when its bytes hold `"ConfDynamicInfoNotify"`), timestamped with
CLOCK_MONOTONIC, which every process shares; the extension is sent by the parent process. The
client processes share the machine's cores with the server, so their receive cost is part of
"last delivery" for Overtime and for the floor alike.
Memory per subscription = (server RSS with N subscribers − idle RSS) / N (VmRSS).
Usage: .venv/bin/python bench/realtime.py [--subscribers 5000] [--meetings 5000] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import multiprocessing
import os
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import harness  # noqa: F401  (puts tests/ on the path for `support`)
import httpx

from support import Server, free_port

TARGET_P99_MS = 200.0
TARGET_KB = 60.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- the client: a minimal WebSocket subscriber ------------------------------------------------


class Subscriber(asyncio.Protocol):
    """One WebSocket over asyncio's TLS transport; counts `ConfDynamicInfoNotify` frames and
    timestamps each (the time its bytes were handed over by the TLS layer)."""

    def __init__(self, path: str, subscribe: bytes) -> None:
        self.path, self.subscribe = path, subscribe
        self.buf = bytearray()
        self.open = False
        self.times: list[float] = []
        self.goal = 0
        self.reached: Callable[[], None] | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def send_text(self, payload: bytes) -> None:
        assert self.transport is not None and len(payload) < 65536
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        size = (
            bytes([0x80 | len(payload)])
            if len(payload) < 126
            else bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
        )
        self.transport.write(b"\x81" + size + mask + masked)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in buf[: buf.find(b"\r\n")]:
                if not self.ready.done():
                    self.ready.set_exception(RuntimeError(bytes(buf[:end]).decode()))
                return
            del buf[: end + 4]
            self.open = True
            self.send_text(self.subscribe)
        while len(buf) >= 2:
            size, at = buf[1] & 0x7F, 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, at = int.from_bytes(buf[2:4], "big"), 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size, at = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < at + size:
                return
            opcode = buf[0] & 0x0F
            dynamic = opcode == 1 and buf.find(b'"ConfDynamicInfoNotify"', at, at + size) >= 0
            del buf[: at + size]
            if dynamic:
                if not self.ready.done():
                    self.ready.set_result(None)  # the full picture after Subscribe
                    continue
                self.times.append(now)
                if self.goal and len(self.times) >= self.goal:
                    self.goal = 0
                    if self.reached:
                        self.reached()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the first frame"))


async def _open(
    http: httpx.AsyncClient | None, ctx: ssl.SSLContext | None, port: int, cid: str, control: str
) -> Subscriber:
    token = "floor"
    if http is not None:
        r = await http.get(
            "/v1/mmc/control/conferences/wsToken",
            params={"conferenceID": cid},
            headers={"X-Conference-Authorization": control},
        )
        token = r.json()["webSocketToken"]
    path = f"/cms/open/websocket/confctl/increment/conn?confID={cid}&tmpToken={token}"
    subscribe = json.dumps(
        {
            "sequence": "1",
            "action": "Subscribe",
            "data": {"subscribeType": ["ConfDynamicInfoNotify"], "confToken": control},
        },
        separators=(",", ":"),
    ).encode()
    loop = asyncio.get_running_loop()
    _, sub = await loop.create_connection(lambda: Subscriber(path, subscribe), "127.0.0.1", port, ssl=ctx)
    await asyncio.wait_for(sub.ready, 60)
    return sub


async def _open_all(
    base_url: str | None, ca: str, port: int, specs: list[tuple[str, str]]
) -> list[Subscriber]:
    ctx = ssl.create_default_context(cafile=ca) if ca else None  # no CA: plain ws://
    http = None
    if base_url:
        http = httpx.AsyncClient(
            base_url=base_url, verify=ctx or True, timeout=60, limits=httpx.Limits(max_connections=16)
        )
    gate = asyncio.Semaphore(50)

    async def one(cid: str, control: str) -> Subscriber:
        async with gate:
            return await _open(http, ctx, port, cid, control)

    subs = list(await asyncio.gather(*(one(c, t) for c, t in specs)))
    if http is not None:
        await http.aclose()
    return subs


async def _reach(chosen: list[Subscriber], count: int) -> None:
    """Until every subscriber in `chosen` has had `count` frames."""
    done = asyncio.Event()
    pending = [s for s in chosen if len(s.times) < count]
    left = len(pending)

    def reached() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            done.set()

    for s in pending:
        s.goal, s.reached = count, reached
    if pending:
        await asyncio.wait_for(done.wait(), 60)


async def _worker_main(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))
    subs: list[Subscriber] = []
    while True:
        command, *args = await inbox.get()
        if command == "open":
            subs = await _open_all(*args)
            gc.collect()
            gc.freeze()  # the client's own collections of its 2,500 connections' objects stay out of the timings
            conn.send(("ok", len(subs)))
        elif command == "wait":  # until every chosen subscriber has `count` frames: the last one's time
            indices, count = args
            chosen = [subs[i] for i in indices] if indices is not None else subs
            await _reach(chosen, count)
            last = max((s.times[count - 1] for s in chosen), default=0.0) if count else 0.0
            conn.send(("ok", last, cpu_seconds(os.getpid())))
        elif command == "close":
            for s in subs:
                if s.transport is not None:
                    s.transport.close()
            subs = []
            conn.send(("ok",))
        elif command == "exit":
            return


def _worker(conn: Connection) -> None:
    asyncio.run(_worker_main(conn))


class Clients:
    """`workers` client processes holding the subscribers, driven over pipes."""

    def __init__(self, workers: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self.pipes: list[Connection] = []
        self.procs = []
        for _ in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child,), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    async def _ask(self, i: int, *message: Any) -> Any:
        self.pipes[i].send(message)
        return await asyncio.get_running_loop().run_in_executor(None, self.pipes[i].recv)

    async def open(self, base_url: str | None, ca: Path, port: int, specs: list[tuple[str, str]]) -> None:
        """Subscriber k goes to worker k % workers, as its (k // workers)-th subscriber."""
        n = len(self.pipes)
        await asyncio.gather(*(self._ask(i, "open", base_url, str(ca), port, specs[i::n]) for i in range(n)))

    async def last(self, count: int, k: int | None = None) -> tuple[float, float]:
        """The time the last subscriber (or subscriber k alone) had its `count`-th frame, and the
        client processes' CPU seconds so far."""
        n = len(self.pipes)
        if k is not None:
            _, at, _ = await self._ask(k % n, "wait", [k // n], count)
            return at, 0.0
        answers = await asyncio.gather(*(self._ask(i, "wait", None, count) for i in range(n)))
        return max(a[1] for a in answers), sum(a[2] for a in answers)

    async def close(self) -> None:
        await asyncio.gather(*(self._ask(i, "close") for i in range(len(self.pipes))))

    def stop(self) -> None:
        for p in self.pipes:
            p.send(("exit",))
        for proc in self.procs:
            proc.join(10)


# -- Overtime ----------------------------------------------------------------------------------


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

    async def extend(self, cid: str, control: str) -> None:
        r = await self.http.put(
            "/v1/mmc/control/conferences/duration",
            params={"conferenceID": cid},
            headers={"X-Conference-Authorization": control},
            json={"auto": 0, "duration": 1},
        )
        assert r.status_code == 200, r.text


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(c: Any) -> Any:
        async with gate:
            return await c

    return await asyncio.gather(*(run(c) for c in coros))


class Fan:
    """One fan-out run's figures."""

    def __init__(
        self, latencies: list[float], idle: float, rss: float, n: int, server_cpu: float, client_cpu: float
    ) -> None:
        self.latencies, self.idle, self.rss, self.n = latencies, idle, rss, n
        self.server_cpu_ms = server_cpu * 1000 / len(latencies)
        self.client_cpu_ms = client_cpu * 1000 / len(latencies)
        self.answered: list[float] = []
        """Overtime: extension sent → its HTTP answer (the fan-out runs before the answer)."""

    @property
    def kb_per_sub(self) -> float:
        return (self.rss - self.idle) * 1024 / self.n


async def one_meeting(server: Server, clients: Clients, subscribers: int, rounds: int, idle: float) -> Fan:
    api = Api(server)
    cid, control = await api.meeting()
    await clients.open(server.url, server.ca_path, server.port, [(cid, control)] * subscribers)
    pid = server.proc.pid if server.proc else 0
    await asyncio.sleep(1)
    rss = rss_mb(pid)
    latencies: list[float] = []
    answered: list[float] = []
    cpu0, client0 = cpu_seconds(pid), (await clients.last(0))[1]
    client1 = client0
    for k in range(1, rounds + 1):
        sent = time.monotonic()
        await api.extend(cid, control)
        answered.append((time.monotonic() - sent) * 1000)
        last, client1 = await clients.last(k)
        latencies.append((last - sent) * 1000)
    cpu1 = cpu_seconds(pid)
    await clients.close()
    await api.http.aclose()
    fan = Fan(latencies, idle, rss, subscribers, cpu1 - cpu0, client1 - client0)
    fan.answered = answered
    return fan


async def many_meetings(
    server: Server, clients: Clients, meetings: int, rounds: int
) -> tuple[list[float], float]:
    api = Api(server)
    pairs = await gather_limited([api.meeting() for _ in range(meetings)], 32)
    await clients.open(server.url, server.ca_path, server.port, pairs)
    rss = rss_mb(server.proc.pid) if server.proc else 0.0
    latencies = []
    counts = [0] * len(pairs)
    rng = random.Random(7)
    for _ in range(rounds):
        i = rng.randrange(len(pairs))
        cid, ctl = pairs[i]
        counts[i] += 1
        sent = time.monotonic()
        await api.extend(cid, ctl)
        arrived, _ = await clients.last(counts[i], i)
        latencies.append((arrived - sent) * 1000)
    await clients.close()
    await api.http.aclose()
    return latencies, rss


# -- the floor: a minimal granian WebSocket app ------------------------------------------------


def floor_app() -> Any:
    """Each WebSocket: accept, read the Subscribe, send one frame, then one pre-encoded frame
    (the size of Overtime's `ConfDynamicInfoNotify`) each time `PUT /` fires."""
    state: dict[str, Any] = {"fired": None, "version": 0}
    padding = "x" * 420

    def frame() -> str:
        state["version"] += 1
        return json.dumps({"action": "ConfDynamicInfoNotify", "version": state["version"], "pad": padding})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        if state["fired"] is None:
            state["fired"] = loop.create_future()
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "http":
            while (await receive()).get("more_body"):
                pass
            fired, state["fired"] = state["fired"], loop.create_future()
            fired.set_result(frame())  # encoded once; every connection's coroutine sends it
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await receive()  # the Subscribe
        await send({"type": "websocket.send", "text": frame()})
        while True:
            text = await state["fired"]
            await send({"type": "websocket.send", "text": text})

    return app


def serve_floor(port: int, cert: Path, key: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from overtime.listener import https_server, listen

    gc.set_threshold(50_000, 10, 10)  # as `overtime serve` (decision 0005)

    async def run() -> None:
        server = https_server(floor_app(), listen("127.0.0.1", port), cert, key)
        await server.serve()

    asyncio.run(run())


async def floor(server: Server, clients: Clients, subscribers: int, rounds: int) -> Fan:
    port = free_port()
    tls = server.data_dir / "tls"
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve-floor",
            str(port),
            str(tls / "server.pem"),
            str(tls / "server-key.pem"),
        ]
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"https://127.0.0.1:{port}", verify=server.ssl_context()
        ) as http:
            for _ in range(200):
                try:
                    await http.get("/health")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            idle = rss_mb(proc.pid)
            await clients.open(None, server.ca_path, port, [("floor", "floor")] * subscribers)
            await asyncio.sleep(1)
            rss = rss_mb(proc.pid)
            latencies = []
            cpu0, client0 = cpu_seconds(proc.pid), (await clients.last(0))[1]
            client1 = client0
            for k in range(1, rounds + 1):
                sent = time.monotonic()
                await http.put("/fire")
                last, client1 = await clients.last(k)
                latencies.append((last - sent) * 1000)
            cpu1 = cpu_seconds(proc.pid)
            await clients.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return Fan(latencies, idle, rss, subscribers, cpu1 - cpu0, client1 - client0)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-floor":
        serve_floor(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--meetings", type=int, default=5000, help="0: skip the many-meetings case")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="client processes")
    parser.add_argument("--no-floor", action="store_true", help="skip the baseline app")
    args = parser.parse_args()
    clients = Clients(args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "overtime", extra_args=["--ws-idle-timeout", "900"])
        server.start()
        try:
            time.sleep(0.5)
            idle = rss_mb(server.proc.pid) if server.proc else 0.0
            fan = asyncio.run(one_meeting(server, clients, args.subscribers, args.rounds, idle))
            spread: list[float] = []
            spread_rss = 0.0
            if args.meetings:
                spread, spread_rss = asyncio.run(
                    many_meetings(server, clients, args.meetings, args.rounds * 10)
                )
            base = (
                None if args.no_floor else asyncio.run(floor(server, clients, args.subscribers, args.rounds))
            )
        finally:
            server.stop()
            clients.stop()
    print(
        f"client: {args.workers} processes of minimal asyncio TLS WebSocket clients on this machine's "
        f"{os.cpu_count()} cores (shared with the server); latency = extension sent → the last "
        "subscriber's frame, CLOCK_MONOTONIC\n"
    )
    n = args.subscribers
    print(
        f"{'':<58} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>8} {'KB/sub':>7} {'srv CPU ms':>10} {'cli CPU ms':>10}"
    )

    def row(name: str, f: Fan) -> None:
        print(
            f"{name:<58} {statistics.median(f.latencies):>8.1f} {pct(f.latencies, 99):>8.1f} {f.rss:>8.0f} "
            f"{f.kb_per_sub:>7.1f} {f.server_cpu_ms:>10.1f} {f.client_cpu_ms:>10.1f}"
        )

    if base is not None:
        row(f"baseline: minimal granian WS app, {n} connections (idle {base.idle:.0f} MB)", base)
    row(f"Overtime: {n} subscribers on one meeting (idle {idle:.0f} MB)", fan)
    if spread:
        print(
            f"{f'Overtime: 1 subscriber on each of {args.meetings} meetings':<58} "
            f"{statistics.median(spread):>8.1f} {pct(spread, 99):>8.1f} {spread_rss:>8.0f}"
        )
    print("(CPU ms: per extension, server process / client processes, during the rounds)")
    if base is not None:
        print("baseline rounds, ms:", " ".join(f"{x:.0f}" for x in base.latencies))
    print("Overtime rounds, ms:", " ".join(f"{x:.0f}" for x in fan.latencies))
    print("Overtime rounds, extension answered, ms:", " ".join(f"{x:.0f}" for x in fan.answered), "\n")
    p99, kb = pct(fan.latencies, 99), fan.kb_per_sub
    versus = f"; baseline {pct(base.latencies, 99):.0f} ms" if base else ""
    print(
        f"target p99 ≤ {TARGET_P99_MS:.0f} ms: {'met' if p99 <= TARGET_P99_MS else 'NOT met'} ({p99:.0f} ms{versus})"
    )
    versus = f"; baseline {base.kb_per_sub:.1f} KB" if base else ""
    print(
        f"target ≤ {TARGET_KB:.0f} KB per subscription: {'met' if kb <= TARGET_KB else 'NOT met'} "
        f"({kb:.1f} KB{versus})"
    )


if __name__ == "__main__":
    main()
