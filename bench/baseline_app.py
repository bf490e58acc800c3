"""The baselines of bench/extend: a minimal raw-ASGI app answering the extend route on the same
server (granian, embedded) and TLS setup as Overtime — parse the query, the header and the JSON
body, validate, look the token up, answer `{}` — optionally with one durable SQLite UPDATE per
request (stdlib driver, WAL, synchronous=NORMAL, as Overtime's store).
Usage: python bench/baseline_app.py --port P --cert C --key K --targets FILE [--sqlite DB]"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import msgspec
from granian.constants import Interfaces, SSLProtocols
from granian.server.embed import Server


class Prolong(msgspec.Struct):
    auto: int
    duration: int | None = None


def make_app(tokens: dict[str, str], db: sqlite3.Connection | None) -> Any:
    headers = [(b"content-type", b"application/json;charset=UTF-8")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        cid = parse_qs(scope["query_string"].decode()).get("conferenceID", [""])[0]
        token = dict(scope["headers"]).get(b"x-conference-authorization", b"").decode()
        status, answer = 200, b"{}"
        try:
            req = msgspec.json.decode(body, type=Prolong)
            if tokens.get(cid) != token:
                status, answer = 401, b'{"error_code":"MMC.111070004","error_msg":"bad token"}'
            elif db is not None:
                with db:
                    db.execute(
                        "UPDATE meetings SET end_at = end_at + ? WHERE conference_id = ?",
                        ((req.duration or 15) * 60_000, cid),
                    )
        except msgspec.DecodeError:
            status, answer = 400, b'{"error_code":"MMC.111071061","error_msg":"bad body"}'
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--targets", type=Path, required=True)
    parser.add_argument("--sqlite", type=Path)
    args = parser.parse_args()
    tokens = dict(line.split() for line in args.targets.read_text().splitlines() if line.strip())
    db = None
    if args.sqlite:
        db = sqlite3.connect(args.sqlite, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meetings (conference_id TEXT PRIMARY KEY, end_at INTEGER)")
        db.executemany("INSERT OR IGNORE INTO meetings VALUES (?, 0)", [(cid,) for cid in tokens])
        db.isolation_level = ""  # `with db:` commits each UPDATE

    async def run() -> None:
        server = Server(
            make_app(tokens, db),
            address="127.0.0.1",
            port=args.port,
            interface=Interfaces.ASGI,
            ssl_cert=args.cert,
            ssl_key=args.key,
            ssl_protocol_min=SSLProtocols.tls12,
            log_level="warning",  # type: ignore[arg-type]
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        await server.serve()

    asyncio.run(run())


if __name__ == "__main__":
    main()
