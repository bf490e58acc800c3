"""Shared pieces of the HTTP benchmarks: servers in subprocesses, meetings with control tokens,
and wrk (Debian's `wrk` package) as the load generator, parsed into req/s and percentiles."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support import Server

LUA = """
local reqs = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    local cid, token = line:match("([^ ]+) ([^ ]+)")
    reqs[#reqs + 1] = wrk.format("PUT", "/v1/mmc/control/conferences/duration?conferenceID=" .. cid,
      {["X-Conference-Authorization"] = token, ["Content-Type"] = "application/json"},
      '{"auto":0,"duration":1}')
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
"""


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench: needs wrk (Debian: apt-get install wrk)")
    return wrk


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, targets: Path, *, connections: int, seconds: int, threads: int = 1) -> Result:
    """wrk with --latency against `url`, cycling through the (conferenceID, token) lines of
    `targets`; returns requests, percentiles and non-2xx responses."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
    out = subprocess.run(
        [
            require_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            f.name,
            url,
            "--",
            str(targets),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pct = {m[0]: _ms(m[1], m[2]) for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    total = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out)
    assert total, out
    secs = float(total[2]) * (60 if total[3] == "m" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    n_errors = (int(bad[1]) if bad else 0) + (sum(int(x) for x in errors.groups()) if errors else 0)
    return Result(url, int(total[1]), secs, pct.get("50", 0.0), pct.get("99", 0.0), n_errors)


def prepare_meetings(servers: Sequence[Server], count: int, path: Path) -> None:
    """`count` running meetings of 15 minutes (room for 1,425 one-minute extensions each) and a
    chair control token for each, written as "conferenceID token" lines."""
    account = servers[0].add_user()
    token = servers[0].login(account)
    lines = []
    with servers[0].client(headers={"X-Access-Token": token}) as http:
        for _ in range(count):
            meeting = http.post(
                "/v1/mmc/management/conferences", json={"mediaTypes": "Voice", "length": 15}
            ).json()[0]
            chair = next(p["password"] for p in meeting["passwordEntry"] if p["conferenceRole"] == "chair")
            ctl = http.get(
                "/v1/mmc/control/conferences/token",
                params={"conferenceID": meeting["conferenceID"]},
                headers={"X-Password": chair, "X-Login-Type": "1"},
            ).json()["data"]["token"]
            lines.append(f"{meeting['conferenceID']} {ctl}")
    path.write_text("\n".join(lines) + "\n")


def table(results: Sequence[Result], baseline: Result | None = None) -> str:
    rows = [
        f"{'':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        + ("  vs baseline" if baseline else "")
    ]
    for r in results:
        ratio = f"  {r.rps / baseline.rps:>10.0%}" if baseline else ""
        rows.append(f"{r.name:<44} {r.rps:>9.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.errors:>7}{ratio}")
    return "\n".join(rows)


def dump(results: Sequence[Result], path: Path) -> None:
    path.write_text(json.dumps([r.__dict__ | {"rps": r.rps} for r in results], indent=2))
