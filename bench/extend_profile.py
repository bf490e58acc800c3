"""bench/extend_profile: the extend route's own Python cost, in process, without TLS or sockets.

Builds the real app (`create_app` over `Runtime.build`, as `overtime serve` does) on a fresh
SQLite file (or `--database postgresql://...`), then sends it `--requests` PUT
/v1/mmc/control/conferences/duration requests as raw ASGI calls, `--concurrency` at a time, over
100 running meetings. Prints the CPU time per extension and, with `--profile`, the top functions
by cumulative time (cProfile), or writes a pyinstrument report with `--pyinstrument FILE`.
Usage: .venv/bin/python bench/extend_profile.py [--requests 5000] [--concurrency 64] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from overtime import logs
from overtime.api.app import create_app
from overtime.domain.webhooks import WebhookOptions
from overtime.runtime import Runtime, context
from overtime.services import auth
from overtime.storage.sql import migrate


async def prepare(ctx: Any, app: Any, count: int) -> list[tuple[str, str]]:
    """An account, `count` running meetings and a chair control token for each, made through the
    app itself (as a client would)."""
    await auth.create_account(ctx, "bench", "Pw-bench-1234", name="bench", corp_id="corp", is_admin=False)
    basic = "Basic " + base64.b64encode(b"bench:Pw-bench-1234").decode()
    targets = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1:8443") as http:
        r = await http.post(
            "/v1/usg/acs/auth/account",
            headers={"Authorization": basic},
            json={"account": "bench", "clientType": 72},
        )
        headers = {"X-Access-Token": r.json()["accessToken"]}
        for _ in range(count):
            m = (
                await http.post(
                    "/v1/mmc/management/conferences",
                    headers=headers,
                    json={"mediaTypes": "Voice", "length": 15},
                )
            ).json()[0]
            chair = next(p["password"] for p in m["passwordEntry"] if p["conferenceRole"] == "chair")
            ctl = (
                await http.get(
                    "/v1/mmc/control/conferences/token",
                    params={"conferenceID": m["conferenceID"]},
                    headers={**headers, "X-Password": chair, "X-Login-Type": "1"},
                )
            ).json()["data"]["token"]
            targets.append((m["conferenceID"], ctl))
    return targets


async def extend(app: Any, conference_id: str, token: str) -> int:
    body = b'{"auto":0,"duration":1}'
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "https",
        "path": "/v1/mmc/control/conferences/duration",
        "raw_path": b"/v1/mmc/control/conferences/duration",
        "query_string": b"conferenceID=" + conference_id.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8443"),
            (b"x-conference-authorization", token.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8443),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def lifespan(app: Any) -> tuple[asyncio.Task[None], asyncio.Queue[dict[str, Any]]]:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})

    async def run() -> None:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)

    task = asyncio.create_task(run())
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    return task, inbox


async def main(args: argparse.Namespace) -> None:
    if args.log != "off":
        logs.configure(args.log, "info")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'overtime.db'}"
        migrate(url)
        ctx = context(url, pool_size=10, sandbox=False, webhooks=WebhookOptions())
        app = create_app(Runtime.build(ctx))
        task, inbox = await lifespan(app)
        targets = await prepare(ctx, app, 100)
        queue = list(range(args.requests))

        async def worker(n: int) -> None:
            while queue:
                i = queue.pop()
                cid, token = targets[i % len(targets)]
                status = await extend(app, cid, token)
                assert status == 200, status

        await asyncio.gather(*(worker(n) for n in range(args.concurrency)))  # warm-up
        queue[:] = range(args.requests)
        profiler = cProfile.Profile() if args.profile else None
        pyi: Any = None
        if args.pyinstrument:
            from pyinstrument import Profiler

            pyi = Profiler(async_mode="disabled")
            pyi.start()
        if profiler:
            profiler.enable()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(args.concurrency)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if profiler:
            profiler.disable()
        if pyi is not None:
            pyi.stop()
            Path(args.pyinstrument).write_text(pyi.output_text(unicode=False, color=False, show_all=False))
        print(
            f"{args.requests} extensions, {args.concurrency} at a time, in process ({ctx.store.url.split(':')[0]}): "
            f"{cpu / args.requests * 1e6:.0f} us CPU each, {args.requests / wall:.0f}/s"
        )
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
        await inbox.put({"type": "lifespan.shutdown"})
        await task


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--database", default=None)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--log",
        choices=["text", "json", "off"],
        default="text",
        help="request log lines (to stderr), as serve",
    )
    parser.add_argument("--pyinstrument", default=None)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative)")
    asyncio.run(main(parser.parse_args()))
