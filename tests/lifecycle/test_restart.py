"""Deadlines that pass while the server is down are applied, in order and once, at start-up."""

from __future__ import annotations

from api.helpers import assert_error
from support import Server
from support.sandbox import Sandbox
from support.sdk import SdkFactory, create, detail, sdk_error

MINUTE_MS = 60_000


def move_stored_clock(server: Server, minutes: int) -> None:
    server.sql(
        "INSERT INTO sandbox_state (id, clock_offset_ms) VALUES (1, ?) ON CONFLICT (id) "
        "DO UPDATE SET clock_offset_ms = sandbox_state.clock_offset_ms + excluded.clock_offset_ms",
        (minutes * MINUTE_MS,),
    )


def test_missed_deadlines_are_applied_in_time_order_at_start(own_sandbox_server: Server) -> None:
    srv = own_sandbox_server
    sdk = SdkFactory(srv)
    try:
        client = sdk.account(srv.add_user())
        alone = create(client)
        busy = create(client)
        with srv.client() as http:
            Sandbox(srv, http).join(busy.conference_id)

        srv.stop()
        move_stored_clock(srv, 61)
        srv.start()

        with srv.client() as http:
            sandbox = Sandbox(srv, http)
            alone_events = sandbox.events(alone.conference_id)
            busy_events = sandbox.events(busy.conference_id)
    finally:
        sdk.close()

    started = next(e for e in alone_events if e["kind"] == "started")["at"]
    assert [e["kind"] for e in alone_events].count("ended") == 1
    assert alone_events[-1]["detail"] == "time_up"
    assert alone_events[-1]["at"] == started + 30 * MINUTE_MS

    started = next(e for e in busy_events if e["kind"] == "started")["at"]
    steps = [e for e in busy_events if e["kind"] == "auto_extended"]
    assert [e["at"] - started for e in steps] == [30 * MINUTE_MS, 45 * MINUTE_MS, 60 * MINUTE_MS]
    assert [e["newEndTime"] - started for e in steps] == [45 * MINUTE_MS, 60 * MINUTE_MS, 75 * MINUTE_MS]
    times = [e["at"] for e in busy_events]
    assert times == sorted(times)


def test_reset_removes_meetings_but_keeps_accounts(own_sandbox_server: Server) -> None:
    srv = own_sandbox_server
    sdk = SdkFactory(srv)
    try:
        member = srv.add_user()
        client = sdk.account(member)
        meeting = create(client)
        with srv.client() as http:
            r = http.post("/sandbox/v1/reset")
            assert r.status_code == 200, r.text
            r = http.get(f"/sandbox/v1/conferences/{meeting.conference_id}/events")
            assert_error(r, 400, "MMC.111070005", "Meeting does not exist.")
        with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
            detail(client, meeting.conference_id)
        assert srv.login(member)
    finally:
        sdk.close()
