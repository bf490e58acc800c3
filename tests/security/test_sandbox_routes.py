"""Sandbox routes exist only with `overtime serve --sandbox` (BEHAVIOUR §6): without it every
one answers 404 in the envelope, whatever the method, and does nothing."""

from __future__ import annotations

import pytest

from api.helpers import MakeMember, Member, assert_error, new_member, ok
from security.wire import WIRE_ERROR
from support import Server

CID = "123456789"
SANDBOX_ROUTES = [
    ("GET", "/sandbox/v1/clock", None),
    ("POST", "/sandbox/v1/clock/advance", {"seconds": 3600}),
    ("POST", f"/sandbox/v1/conferences/{CID}/participants", {"name": "intruder", "role": 1}),
    ("DELETE", f"/sandbox/v1/conferences/{CID}/participants/p1", None),
    ("GET", f"/sandbox/v1/conferences/{CID}/events", None),
    ("POST", "/sandbox/v1/reset", None),
]


@pytest.mark.parametrize(("method", "path", "body"), SANDBOX_ROUTES, ids=lambda v: str(v))
def test_sandbox_route_is_404_without_sandbox(server: Server, method: str, path: str, body: object) -> None:
    with server.client() as c:
        r = c.request(method, path, json=body)
    assert_error(r, 404, WIRE_ERROR, "Not found.")


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_sandbox_paths_are_404_for_any_method_without_sandbox(server: Server, method: str) -> None:
    with server.client() as c:
        for _, path, _ in SANDBOX_ROUTES:
            assert_error(c.request(method, path), 404, WIRE_ERROR, "Not found.")


def test_sandbox_routes_change_nothing_without_sandbox(server: Server, make_member: MakeMember) -> None:
    """Reset, clock advance and joins are refused, not quietly done."""
    host = make_member()
    meeting = host.create()
    cid = meeting["conferenceID"]
    end = host.detail(cid)["endTime"]
    with server.client() as c:
        assert_error(
            c.post("/sandbox/v1/clock/advance", json={"seconds": 86400}), 404, WIRE_ERROR, "Not found."
        )
        assert_error(
            c.post(f"/sandbox/v1/conferences/{cid}/participants", json={"name": "x"}),
            404,
            WIRE_ERROR,
            "Not found.",
        )
        assert_error(c.post("/sandbox/v1/reset"), 404, WIRE_ERROR, "Not found.")
    info = host.detail(cid)
    assert (info["conferenceState"], info["endTime"]) == ("Created", end)
    ok(host.stop(cid, host.control_token(meeting)))


def test_sandbox_routes_exist_with_sandbox(sandbox_server: Server) -> None:
    host: Member = new_member(sandbox_server)
    try:
        cid = host.create()["conferenceID"]
        with sandbox_server.client() as c:
            clock = ok(c.get("/sandbox/v1/clock")).json()
            assert isinstance(clock["now"], int)
            assert isinstance(clock["offsetMs"], int)
            ok(c.post("/sandbox/v1/clock/advance", json={"seconds": 0}))
            joined = ok(c.post(f"/sandbox/v1/conferences/{cid}/participants", json={"name": "p", "role": 0}))
            pid = joined.json()["participantID"]
            ok(c.delete(f"/sandbox/v1/conferences/{cid}/participants/{pid}"))
            events = ok(c.get(f"/sandbox/v1/conferences/{cid}/events")).json()
            assert isinstance(events, list) and events
            ok(c.post("/sandbox/v1/reset"))
    finally:
        host.close()
