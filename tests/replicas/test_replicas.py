"""Several `overtime serve` replicas on one PostgreSQL database behave as one server (issue 4)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Server, replica_servers

MEETINGS = "/v1/mmc/management/conferences"


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Server]]:
    with replica_servers(tmp_path, 3, ["--sandbox"]) as servers:
        yield servers


class Replica:
    """One replica seen by a client: an httpx client trusting that replica's own CA."""

    def __init__(self, server: Server, token: str) -> None:
        self.server = server
        self.http = server.client(headers={"X-Access-Token": token}, limits=httpx.Limits(max_connections=64))

    def create(self, **fields: Any) -> dict[str, Any]:
        r = self.http.post(MEETINGS, json={"mediaTypes": "Voice", "length": 30, **fields})
        assert r.status_code == 200, r.text
        meeting: dict[str, Any] = r.json()[0]
        return meeting

    def join(self, conference_id: str) -> str:
        r = self.http.post(f"/sandbox/v1/conferences/{conference_id}/participants", json={"name": "p"})
        assert r.status_code == 200, r.text
        pid: str = r.json()["participantID"]
        return pid

    def leave(self, conference_id: str, pid: str) -> None:
        r = self.http.delete(f"/sandbox/v1/conferences/{conference_id}/participants/{pid}")
        assert r.status_code == 200, r.text

    def advance(self, minutes: float) -> None:
        r = self.http.post("/sandbox/v1/clock/advance", json={"seconds": minutes * 60}, timeout=300)
        assert r.status_code == 200, r.text

    def events(self, conference_id: str) -> list[dict[str, Any]]:
        r = self.http.get(f"/sandbox/v1/conferences/{conference_id}/events")
        assert r.status_code == 200, r.text
        events: list[dict[str, Any]] = r.json()
        return events

    def control_token(self, meeting: dict[str, Any]) -> str:
        chair = next(p["password"] for p in meeting["passwordEntry"] if p["conferenceRole"] == "chair")
        r = self.http.get(
            "/v1/mmc/control/conferences/token",
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Password": chair, "X-Login-Type": "1"},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["data"]["token"]
        return token

    def extend(self, conference_id: str, token: str, minutes: int) -> int:
        try:
            r = self.http.put(
                "/v1/mmc/control/conferences/duration",
                params={"conferenceID": conference_id},
                headers={"X-Conference-Authorization": token},
                json={"auto": 0, "duration": minutes},
                timeout=30,
            )
        except httpx.HTTPError:
            return 0
        return r.status_code

    def end_ms(self, conference_id: str) -> int | None:
        r = self.http.get("/v1/mmc/management/conferences/confDetail", params={"conferenceID": conference_id})
        if r.status_code != 200:
            return None
        events = self.events(conference_id)
        return max(e["newEndTime"] or 0 for e in events)

    def close(self) -> None:
        self.http.close()


def connect(servers: list[Server]) -> list[Replica]:
    account = servers[0].add_user()
    token = servers[0].login(account)  # an access token issued by one replica works on all
    return [Replica(srv, token) for srv in servers]


def test_three_replicas_apply_every_auto_extension_exactly_once(replicas: list[Server]) -> None:
    clients = connect(replicas)
    try:
        with ThreadPoolExecutor(24) as pool:
            meetings = list(pool.map(lambda i: clients[i % 3].create(), range(300)))
            pids = list(
                pool.map(lambda im: clients[im[0] % 3].join(im[1]["conferenceID"]), enumerate(meetings))
            )

        clients[0].advance(76)  # ends at 30, 45, 60 and 75 minutes pass with someone present

        with ThreadPoolExecutor(24) as pool:
            ledgers = list(
                pool.map(lambda im: clients[im[0] % 3].events(im[1]["conferenceID"]), enumerate(meetings))
            )
        for ledger in ledgers:
            steps = [e for e in ledger if e["kind"] == "auto_extended"]
            assert len(steps) == 4, ledger
            assert len({e["at"] for e in steps}) == 4, "no auto-extension applied twice"

        # Everyone leaves; the meetings end at 90 minutes and their control records say the same.
        with ThreadPoolExecutor(24) as pool:
            list(
                pool.map(
                    lambda im: clients[im[0] % 3].leave(im[1]["conferenceID"], pids[im[0]]),
                    enumerate(meetings),
                )
            )
        clients[1].advance(15)
        for i, meeting in enumerate(meetings[:30]):
            ledger = clients[i % 3].events(meeting["conferenceID"])
            run = ledger[-1]["confUUID"]
            r = clients[(i + 1) % 3].http.get(
                "/v1/mmc/management/conferences/history/confCtlRecord", params={"confUUID": run, "limit": 100}
            )
            assert r.status_code == 200, r.text
            codes = [rec["operateCode"] for rec in r.json()["data"]]
            assert codes.count("AUTO_PROLONG_CONF") == 4, codes
            assert codes[-1] == "STOP_CONF"
    finally:
        for c in clients:
            c.close()


def test_concurrent_extensions_over_all_replicas_all_apply(replicas: list[Server]) -> None:
    clients = connect(replicas)
    try:
        meeting = clients[0].create()
        token = clients[1].control_token(meeting)  # issued by one replica, honoured by all
        cid = meeting["conferenceID"]
        before = clients[2].end_ms(cid)
        assert before is not None
        with ThreadPoolExecutor(60) as pool:
            statuses = list(pool.map(lambda i: clients[i % 3].extend(cid, token, 1), range(180)))
        assert statuses == [200] * 180
        assert clients[0].end_ms(cid) == before + 180 * 60_000
    finally:
        for c in clients:
            c.close()


def test_a_replica_killed_under_load_loses_no_acknowledged_extension(replicas: list[Server]) -> None:
    clients = connect(replicas)
    try:
        meetings = [clients[i % 3].create(length=60) for i in range(12)]
        tokens = [clients[0].control_token(m) for m in meetings]
        before = [clients[0].end_ms(m["conferenceID"]) for m in meetings]
        acked = [0] * len(meetings)
        lock = threading.Lock()
        victim_killed = threading.Event()

        def load(worker: int) -> None:
            for n in range(40):
                i = (worker + n) % len(meetings)
                replica = clients[(worker + n) % 3]
                if victim_killed.is_set() and replica is clients[2]:
                    continue
                if replica.extend(meetings[i]["conferenceID"], tokens[i], 1) == 200:
                    with lock:
                        acked[i] += 1
                if worker == 0 and n == 15:
                    replicas[2].kill()  # SIGKILL, mid-load
                    victim_killed.set()

        with ThreadPoolExecutor(12) as pool:
            list(pool.map(load, range(12)))
        assert victim_killed.is_set()

        for i, m in enumerate(meetings):
            moved = (clients[i % 2].end_ms(m["conferenceID"]) or 0) - (before[i] or 0)
            assert moved >= acked[i] * 60_000, (
                f"meeting {i}: {acked[i]} acknowledged, moved {moved / 60000} min"
            )

        # The survivors apply every deadline: advance past all ends; everything is over.
        clients[0].advance(60 + 40 + 1)
        for i, m in enumerate(meetings):
            assert clients[i % 2].events(m["conferenceID"])[-1]["kind"] == "ended"
    finally:
        for c in clients:
            c.close()
