"""Snapshots (issue 13 §4): the whole state out and back over HTTPS, refusals that change
nothing, and the command line (`overtime snapshot save/load`, `overtime serve --sandbox --load`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from overtime.testing import OvertimeServer
from support import Server
from support.formats import basic
from toolkit.helpers import MEETINGS, Member

SNAPSHOTS = "/sandbox/v1/snapshots"
RESTORE = "/sandbox/v1/snapshots/restore"
LINK = "/v1/mmc/management/webhook/link-config"


def _state(overtime: OvertimeServer) -> tuple[Member, str]:
    admin = Member(overtime, "admin-ann")
    meeting = admin.create(subject="kept")
    cid = meeting["conferenceID"]
    overtime.join(cid, name="Pat")
    overtime.advance(minutes=7)
    return admin, cid


def _snapshot(overtime: OvertimeServer) -> dict[str, Any]:
    r = overtime.http.post(SNAPSHOTS)
    assert r.status_code == 200, r.text
    document: dict[str, Any] = r.json()
    return document


def _login(overtime: OvertimeServer, account: str, password: str) -> httpx.Response:
    return overtime.http.post(
        "/v1/usg/acs/auth/account",
        headers={"Authorization": basic(f"{account}:{password}")},
        json={"account": account, "clientType": 72},
    )


def test_a_snapshot_round_trip(overtime: OvertimeServer) -> None:
    admin, cid = _state(overtime)
    try:
        before_detail = admin.http.get(f"{MEETINGS}/confDetail", params={"conferenceID": cid}).json()
    finally:
        admin.close()
    events = overtime.events(cid)
    offset = overtime.http.get("/sandbox/v1/clock").json()["offsetMs"]
    document = _snapshot(overtime)
    assert (document["format"], document["version"]) == ("overtime-snapshot", 1)
    assert document["schemaRevision"]
    assert [a["account"] for a in document["tables"]["accounts"]] == ["admin-ann"]
    assert len(document["tables"]["participants"]) == 1
    assert document["tables"]["sandbox_state"][0]["clock_offset_ms"] == offset

    overtime.reset()
    assert _login(overtime, admin.account, admin.password).status_code == 401
    r = overtime.http.post(RESTORE, json=document)
    assert (r.status_code, r.json()) == (200, {})

    assert overtime.http.get("/sandbox/v1/clock").json()["offsetMs"] == offset
    assert overtime.events(cid) == events
    token = _login(overtime, admin.account, admin.password).json()["accessToken"]
    after = overtime.http.get(
        f"{MEETINGS}/confDetail", params={"conferenceID": cid}, headers={"X-Access-Token": token}
    )
    assert after.json() == before_detail
    assert _snapshot(overtime)["tables"]["meetings"] == document["tables"]["meetings"]


def test_an_older_snapshot_without_newer_tables_loads(overtime: OvertimeServer) -> None:
    _state(overtime)[0].close()
    document = _snapshot(overtime)
    del document["tables"]["ws_tokens"]  # as if saved before that table existed
    assert overtime.http.post(RESTORE, json=document).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"version": 2},
            "Snapshot format version 2 is newer than this Overtime reads (up to 1); upgrade Overtime to load it.",
        ),
        ({"version": 0}, "Snapshot `version` must be a positive integer."),
        ({"format": "pg_dump"}, "Not an Overtime snapshot: `format` must be 'overtime-snapshot'."),
        (
            {"tables": {"holograms": []}},
            "Snapshot cannot be loaded: table 'holograms' is not in this Overtime's schema.",
        ),
        (
            {"tables": {"accounts": [{"colour": 1}]}},
            "Snapshot cannot be loaded: accounts[0]: column 'colour' is not in this Overtime's schema.",
        ),
        (
            {"tables": {"accounts": [{"account": 5}]}},
            "Snapshot cannot be loaded: accounts[0].account: '5' is not a valid VARCHAR(255).",
        ),
        (
            {"tables": {"accounts": [{"account": "x"}]}},
            "Snapshot cannot be loaded: accounts[0]: column 'id' is missing.",
        ),
    ],
)
def test_a_refused_snapshot_changes_nothing(
    overtime: OvertimeServer, change: dict[str, Any], message: str
) -> None:
    admin, _ = _state(overtime)
    admin.close()
    before = _snapshot(overtime)["tables"]
    r = overtime.http.post(RESTORE, json={**_snapshot(overtime), **change})
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "MMC.111071061"
    assert r.json()["error_msg"].startswith(message)
    assert _snapshot(overtime)["tables"] == before


def _cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "overtime", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_command_line_saves_loads_and_serves_a_snapshot(overtime: OvertimeServer, tmp_path: Path) -> None:
    admin, cid = _state(overtime)
    admin.close()
    saved = tmp_path / "state.json"
    assert "Snapshot saved to" in _cli("snapshot", "save", str(saved), "--data-dir", str(overtime.data_dir))
    document = json.loads(saved.read_text())
    assert document["tables"] == _snapshot(overtime)["tables"]

    copy = tmp_path / "copy"
    _cli("snapshot", "load", str(saved), "--data-dir", str(copy))
    again = tmp_path / "again.json"
    _cli("snapshot", "save", str(again), "--data-dir", str(copy))
    assert json.loads(again.read_text())["tables"] == document["tables"]

    server = Server(tmp_path / "served", extra_args=["--sandbox", "--load", str(saved)])
    server.start()
    try:
        with server.client() as c:
            assert c.get(f"/sandbox/v1/conferences/{cid}/events").status_code == 200
    finally:
        server.stop()


def test_serve_load_needs_the_sandbox(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "overtime", "serve", "--load", str(tmp_path / "x.json"), "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "overtime: --load needs --sandbox (it replaces the whole database)\n"
