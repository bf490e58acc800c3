"""The wipe and snapshots on both storage backends (an `overtime serve --sandbox` process on
SQLite and on PostgreSQL): the generic table walks work on each dialect."""

from __future__ import annotations

from typing import Any

from support import Server, unique
from support.formats import basic


def _login(http: Any, account: str, password: str) -> int:
    r = http.post(
        "/v1/usg/acs/auth/account",
        headers={"Authorization": basic(f"{account}:{password}")},
        json={"account": account, "clientType": 72},
    )
    status: int = r.status_code
    return status


def test_wipe_and_snapshot_round_trip(sandbox_server: Server) -> None:
    who = sandbox_server.add_user(unique("snap"))
    token = sandbox_server.login(who)
    with sandbox_server.client() as http:
        r = http.post("/v1/mmc/management/conferences", json={"mediaTypes": "Voice", "length": 30},
                      headers={"X-Access-Token": token})  # fmt: skip
        cid = r.json()[0]["conferenceID"]
        assert http.post(f"/sandbox/v1/conferences/{cid}/participants", json={"name": "p"}).status_code == 200
        assert http.post("/sandbox/v1/clock/advance", json={"seconds": 60}).status_code == 200
        snapshot = http.post("/sandbox/v1/snapshots").json()
        events = http.get(f"/sandbox/v1/conferences/{cid}/events").json()

        assert http.post("/sandbox/v1/wipe").status_code == 200
        assert http.post("/sandbox/v1/snapshots").json()["tables"]["accounts"] == []
        assert http.get("/sandbox/v1/clock").json()["offsetMs"] == 0
        assert _login(http, who.account, who.password) == 401

        assert http.post("/sandbox/v1/snapshots/restore", json=snapshot).status_code == 200
        assert _login(http, who.account, who.password) == 200
        assert http.get(f"/sandbox/v1/conferences/{cid}/events").json() == events
        assert http.get("/sandbox/v1/clock").json()["offsetMs"] >= 60_000
        again = http.post("/sandbox/v1/snapshots").json()["tables"]
        assert again["meetings"] == snapshot["tables"]["meetings"]
        assert again["participants"] == snapshot["tables"]["participants"]
        assert http.post("/sandbox/v1/wipe").status_code == 200
