"""bench/extend: the real extend route over HTTPS keep-alive (wrk, 64 connections), side by side
in one run with (a) a minimal ASGI app answering the same route on the same server and TLS setup
and (b) that app plus one SQLite UPDATE per request; then the whole flow (auth -> create ->
token -> extend -> detail) per second.
(c) Prism, a stateless mock, serving our own /openapi.json (npm registry; installed once into
bench/.prism). Targets: Overtime >= 50% of (b)'s throughput, with p99 <= 25 ms; >= 3x (c).
Usage: .venv/bin/python bench/extend.py [--seconds 10] [--connections 64] [--flows 16]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from harness import prepare_meetings, require_wrk, run_wrk, table

from support import Server, free_port


def start_baseline(server: Server, targets: Path, sqlite: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    tls = server.data_dir / "tls"
    cmd = [
        sys.executable,
        str(Path(__file__).parent / "baseline_app.py"),
        "--port",
        str(port),
        "--cert",
        str(tls / "server.pem"),
        "--key",
        str(tls / "server-key.pem"),
        "--targets",
        str(targets),
    ]
    if sqlite:
        cmd += ["--sqlite", str(sqlite)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.put(url + "/", verify=server.ssl_context(), content=b"{}", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("baseline app did not start")


PRISM = "@stoplight/prism-cli@5.14.2"
PRISM_DIR = Path(__file__).resolve().parent / ".prism"


def start_prism(server: Server, root: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """Prism (a stateless mock from the npm registry, installed once into bench/.prism) serving
    our own /openapi.json over plain HTTP; None, with the reason printed, when it cannot run."""
    prism = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        npm = shutil.which("npm")
        if npm is None:
            print("(c) Prism skipped: npm is not installed")
            return None
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PRISM_DIR), PRISM],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not prism.exists():
            print(f"(c) Prism skipped: npm install {PRISM} failed: {done.stderr.strip()[-300:]}")
            return None
    spec = root / "openapi.json"
    spec.write_bytes(httpx.get(server.url + "/openapi.json", verify=server.ssl_context()).content)
    port = free_port()
    proc = subprocess.Popen(
        [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/health", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    print("(c) Prism skipped: it did not start within 30 s")
    return None


async def flows(server: Server, seconds: float, concurrency: int) -> tuple[int, float]:
    """Complete flows per second: account auth, create, control token, extend, detail."""
    account = server.add_user()
    basic = "Basic " + base64.b64encode(f"{account.account}:{account.password}".encode()).decode()
    done = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=server.url, verify=server.ssl_context(), limits=limits, timeout=30
    ) as http:

        async def one() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                token = (
                    await http.post(
                        "/v1/usg/acs/auth/account",
                        headers={"Authorization": basic},
                        json={"account": account.account, "clientType": 72},
                    )
                ).json()["accessToken"]
                h = {"X-Access-Token": token}
                m = (
                    await http.post("/v1/mmc/management/conferences", headers=h, json={"mediaTypes": "Voice"})
                ).json()[0]
                chair = next(p["password"] for p in m["passwordEntry"] if p["conferenceRole"] == "chair")
                ctl = (
                    await http.get(
                        "/v1/mmc/control/conferences/token",
                        params={"conferenceID": m["conferenceID"]},
                        headers={**h, "X-Password": chair, "X-Login-Type": "1"},
                    )
                ).json()["data"]["token"]
                r = await http.put(
                    "/v1/mmc/control/conferences/duration",
                    params={"conferenceID": m["conferenceID"]},
                    headers={"X-Conference-Authorization": ctl},
                    json={"auto": 0, "duration": 40},
                )
                assert r.status_code == 200, r.text
                r = await http.get(
                    "/v1/mmc/management/conferences/confDetail",
                    params={"conferenceID": m["conferenceID"]},
                    headers=h,
                )
                assert r.status_code == 200, r.text
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return done, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--flows", type=int, default=16, help="concurrent whole flows")
    args = parser.parse_args()
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = Server(root / "overtime")
        server.start()
        procs: list[subprocess.Popen[bytes]] = []
        try:
            targets = root / "targets.txt"
            prepare_meetings([server], 100, targets)
            bare, bare_url = start_baseline(server, targets, None)
            with_db, db_url = start_baseline(server, targets, root / "baseline.db")
            procs += [bare, with_db]
            run = {"connections": args.connections, "seconds": args.seconds}
            a = run_wrk(bare_url, targets, **run)
            a.name = "(a) minimal ASGI app, same server and TLS"
            b = run_wrk(db_url, targets, **run)
            b.name = "(b) (a) + one SQLite UPDATE per request"
            o = run_wrk(server.url, targets, **run)
            o.name = "Overtime: PUT .../conferences/duration"
            rows = [a, b, o]
            mock = start_prism(server, root)
            if mock is not None:
                procs.append(mock[0])
                c = run_wrk(mock[1], targets, **run)
                c.name = "(c) Prism 5 mock of our /openapi.json, HTTP"
                rows.append(c)
            print(
                f"extend route over HTTPS keep-alive, {args.connections} connections, {args.seconds} s each\n"
            )
            print(table(rows, baseline=b))
            verdict = "met" if o.rps >= 0.5 * b.rps and o.p99_ms <= 25 else "NOT met"
            print(
                f"\ntarget: >= 50% of (b) with p99 <= 25 ms -> {verdict} ({o.rps / b.rps:.0%}, p99 {o.p99_ms:.1f} ms)"
            )
            if mock is not None:
                ratio = o.rps / c.rps if c.rps else float("inf")
                print(
                    f"target: >= 3x the stateless mock (c) -> {'met' if ratio >= 3 else 'NOT met'} ({ratio:.2f}x)"
                )
            for p in procs:
                p.send_signal(signal.SIGTERM)
            count, elapsed = asyncio.run(flows(server, args.seconds, args.flows))
            print(
                f"\nwhole flow (auth -> create -> token -> extend -> detail), {args.flows} at a time: "
                f"{count / elapsed:.1f} flows/s ({count} in {elapsed:.1f} s)"
            )
        finally:
            for p in procs:
                p.kill()
            server.stop()


if __name__ == "__main__":
    main()
