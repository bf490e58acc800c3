"""Deterministic ids (issue 13 §5): after `POST /sandbox/v1/seed`, the same requests in the same
order get the same conference ids, passwords and uuids; a wipe or `{"seed": null}` ends it."""

from __future__ import annotations

from typing import Any

import pytest

from overtime.testing import OvertimeServer
from toolkit.helpers import Member


def _story(overtime: OvertimeServer) -> dict[str, Any]:
    member = Member(overtime, "alice")
    try:
        meeting = member.create(subject="seeded")
        user = member.http.get("/v1/mmc/management/conferences").json()["data"][0]["userUUID"]
        return {
            "conferenceID": meeting["conferenceID"],
            "confUUID": meeting["confUUID"],
            "passwords": sorted(p["password"] for p in meeting["passwordEntry"]),
            "participant": overtime.join(meeting["conferenceID"], name="p"),
            "user": user,
        }
    finally:
        member.close()


def test_the_same_seed_gives_the_same_ids(overtime: OvertimeServer) -> None:
    overtime.seed(42)
    first = _story(overtime)
    overtime.reset()
    overtime.seed(42)
    assert _story(overtime) == first
    overtime.reset()
    overtime.seed(43)
    other = _story(overtime)
    assert all(other[k] != first[k] for k in first)


def test_unseeded_ids_differ(overtime: OvertimeServer) -> None:
    overtime.seed(7)
    overtime.seed(None)
    first = _story(overtime)
    overtime.reset()  # also unseeds
    assert _story(overtime)["conferenceID"] != first["conferenceID"]


@pytest.mark.parametrize(
    ("body", "message"),
    [({"seed": -1}, ">= 0"), ({"seed": "x"}, "Expected `int | null`"), ({}, "missing required field `seed`")],
)
def test_bad_seeds_are_400(overtime: OvertimeServer, body: dict[str, object], message: str) -> None:
    r = overtime.http.post("/sandbox/v1/seed", json=body)
    assert r.status_code == 400
    assert message in r.json()["error_msg"]
