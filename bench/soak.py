"""bench/soak: mixed load on a sandbox server for 10 minutes, SIGKILL and restart every 2 minutes.

Workers create meetings, add participants, extend (manual and auto mode), stop some, and the
sandbox clock is advanced every few seconds so meetings auto-extend and end on their own. Only
operations answered 200 count as acknowledged. Afterwards: every acknowledged meeting exists,
every acknowledged manual extension is in its ledger, and each ledger adds up (end = start +
length + the extensions). Prints the server's RSS over time.
Usage: .venv/bin/python bench/soak.py [--minutes 10] [--kill-every 120] [--workers 4]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import harness  # noqa: F401  (puts tests/ on the path for `support`)
import httpx

from realtime import rss_mb
from support import Server


class Soak:
    def __init__(self, server: Server, seconds: float) -> None:
        self.server = server
        self.stop_at = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.meetings: dict[str, dict[str, Any]] = {}
        self.acked_extensions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.account = server.add_user()

    def client(self) -> httpx.Client:
        return self.server.client(timeout=10)

    def worker(self, seed: int) -> None:
        rng = random.Random(seed)
        http = self.client()
        token = ""
        controls: dict[str, str] = {}
        while time.monotonic() < self.stop_at:
            try:
                if not token:
                    token = self.server.login(self.account)
                h = {"X-Access-Token": token}
                mine = list(controls)
                roll = rng.random()
                if roll < 0.15 or not mine:
                    r = http.post(
                        "/v1/mmc/management/conferences",
                        headers=h,
                        json={"mediaTypes": "Voice", "length": rng.choice([15, 30, 60])},
                    )
                    if r.status_code == 401:
                        token = ""
                        continue
                    if r.status_code != 200:
                        self.errors[f"create {r.status_code}"] += 1
                        continue
                    m = r.json()[0]
                    with self.lock:
                        self.meetings[m["conferenceID"]] = m
                    chair = next(p["password"] for p in m["passwordEntry"] if p["conferenceRole"] == "chair")
                    r = http.get(
                        "/v1/mmc/control/conferences/token",
                        params={"conferenceID": m["conferenceID"]},
                        headers={**h, "X-Password": chair, "X-Login-Type": "1"},
                    )
                    if r.status_code == 200:
                        controls[m["conferenceID"]] = r.json()["data"]["token"]
                    if rng.random() < 0.6:
                        http.post(
                            f"/sandbox/v1/conferences/{m['conferenceID']}/participants", json={"name": "p"}
                        )
                    continue
                cid = rng.choice(mine)
                ctl = {"X-Conference-Authorization": controls[cid]}
                if roll < 0.85:
                    r = http.put(
                        "/v1/mmc/control/conferences/duration",
                        params={"conferenceID": cid},
                        headers=ctl,
                        json={"auto": 0, "duration": 1},
                    )
                    if r.status_code == 200:
                        with self.lock:
                            self.acked_extensions[cid] += 1
                    elif r.status_code in (400, 401):
                        controls.pop(cid, None)  # ended, past the cap, or its token expired
                elif roll < 0.93:
                    http.put(
                        "/v1/mmc/control/conferences/duration",
                        params={"conferenceID": cid},
                        headers=ctl,
                        json={"auto": 1, "duration": rng.choice([0, 5, 15])},
                    )
                else:
                    http.put("/v1/mmc/control/conferences/stop", params={"conferenceID": cid}, headers=ctl)
                    controls.pop(cid, None)
            except httpx.HTTPError:
                time.sleep(0.2)  # the server is being killed or restarting: not acknowledged
                http.close()
                http = self.client()
        http.close()

    def clock(self) -> None:
        http = self.client()
        while time.monotonic() < self.stop_at:
            time.sleep(3)
            try:
                http.post("/sandbox/v1/clock/advance", json={"seconds": 120}, timeout=60)
            except httpx.HTTPError:
                http.close()
                http = self.client()
        http.close()


def verify(soak: Soak) -> tuple[int, int, list[str]]:
    problems = []
    extensions = 0
    with soak.server.client(timeout=60) as http:
        for cid in sorted(soak.meetings):
            r = http.get(f"/sandbox/v1/conferences/{cid}/events")
            if r.status_code != 200:
                problems.append(f"{cid}: acknowledged meeting missing ({r.status_code})")
                continue
            ledger = r.json()
            manual = [e for e in ledger if e["kind"] == "extended"]
            extensions += len(manual)
            if len(manual) < soak.acked_extensions[cid]:
                problems.append(
                    f"{cid}: {soak.acked_extensions[cid]} extensions acknowledged, {len(manual)} in the ledger"
                )
            started = next((e for e in ledger if e["kind"] == "started"), None)
            ended = next((e for e in ledger if e["kind"] == "ended"), None)
            if started and (ended is None or ended["detail"] in ("time_up", "cap_reached")):
                moved = sum(
                    e["newEndTime"] - e["oldEndTime"]
                    for e in ledger
                    if e["kind"] in ("extended", "auto_extended")
                )
                end = ended["at"] if ended else max(e["newEndTime"] or 0 for e in ledger)
                if end - started["newEndTime"] != moved:
                    problems.append(
                        f"{cid}: ledger does not add up (end moved {end - started['newEndTime']}, extensions {moved})"
                    )
            kinds = [e["kind"] for e in ledger]
            if kinds.count("ended") > 1:
                problems.append(f"{cid}: ended {kinds.count('ended')} times")
    return len(soak.meetings), extensions, problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--kill-every", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "soak", extra_args=["--sandbox"])
        server.start()
        soak = Soak(server, args.minutes * 60)
        threads = [threading.Thread(target=soak.worker, args=(i,)) for i in range(args.workers)]
        threads.append(threading.Thread(target=soak.clock))
        for t in threads:
            t.start()
        rss: list[tuple[float, float]] = []
        kills = 0
        start = time.monotonic()
        next_kill = start + args.kill_every
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            now = time.monotonic()
            if server.proc:
                rss.append((now - start, rss_mb(server.proc.pid)))
            if now >= next_kill and now < soak.stop_at - 10:
                server.kill()
                kills += 1
                server.start()
                next_kill = now + args.kill_every
        for t in threads:
            t.join()
        count, extensions, problems = verify(soak)
        server.stop()
    print(
        f"soak: {args.minutes:g} min, {args.workers} workers, SIGKILL + restart every {args.kill_every:g} s ({kills} kills)"
    )
    print(
        f"meetings acknowledged: {count}; manual extensions acknowledged: {sum(soak.acked_extensions.values())}, "
        f"in ledgers: {extensions}; other errors: {dict(soak.errors)}"
    )
    print(
        "RSS MB over time (s: MB): "
        + ", ".join(f"{t:.0f}: {m:.0f}" for t, m in rss[:: max(1, len(rss) // 20)])
    )
    print(
        "consistency: "
        + ("OK, every acknowledged operation present, every ledger adds up" if not problems else "FAILED")
    )
    for p in problems[:20]:
        print("  " + p)


if __name__ == "__main__":
    main()
