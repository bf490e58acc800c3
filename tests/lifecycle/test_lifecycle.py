"""BEHAVIOUR §3 through a live sandbox server: the official SDK for every Huawei operation,
the sandbox routes for the clock and for participants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmeeting.v1 import MeetingClient, ShowRealTimeInfoOfMeetingRequest

from api.helpers import assert_error
from support import Server
from support.formats import parse_wire_time
from support.sandbox import Sandbox
from support.sdk import activate, control_records, control_token, create, detail, history, prolong

MINUTE = timedelta(minutes=1)


def ended(client: MeetingClient, conference_id: str) -> bool:
    try:
        detail(client, conference_id)
    except ClientRequestException as e:
        assert (e.status_code, e.error_code, e.error_msg) == (
            400,
            "MMC.111070005",
            "Meeting does not exist.",
        ), e
        return True
    return False


def ledger_kinds(sandbox: Sandbox, conference_id: str) -> list[str]:
    return [e["kind"] for e in sandbox.events(conference_id)]


def test_present_participant_auto_extends_then_meeting_ends_into_history(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    meeting = create(client)
    start = parse_wire_time(meeting.start_time)
    assert parse_wire_time(meeting.end_time) == start + 30 * MINUTE
    pid = sandbox.join(meeting.conference_id)

    sandbox.advance(minutes=31)
    running = detail(client, meeting.conference_id)
    assert running.conference_state == "Created"
    assert parse_wire_time(running.end_time) == start + 45 * MINUTE

    sandbox.leave(meeting.conference_id, pid)
    sandbox.advance(minutes=15)
    assert ended(client, meeting.conference_id)

    runs = [m for m in history(client, start) if m.conference_id == meeting.conference_id]
    assert len(runs) == 1
    records = control_records(client, runs[0].conf_uuid)
    auto = [r for r in records if r.operate_code == "AUTO_PROLONG_CONF"]
    assert len(auto) == 1
    assert auto[0].operator == "system" and "+15 min" in auto[0].detail
    assert records[-1].operate_code == "STOP_CONF" and "time_up" in records[-1].detail


def test_prolong_length_zero_ends_exactly_at_its_length(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = create(client, prolong_length=0)
    sandbox.join(meeting.conference_id)
    sandbox.advance(minutes=29)
    assert not ended(client, meeting.conference_id)
    sandbox.advance(minutes=1, seconds=1)
    assert ended(client, meeting.conference_id)
    events = sandbox.events(meeting.conference_id)
    started = next(e for e in events if e["kind"] == "started")
    end = events[-1]
    assert end["kind"] == "ended" and end["detail"] == "time_up"
    assert end["at"] - started["at"] == 30 * 60 * 1000
    assert "auto_extended" not in ledger_kinds(sandbox, meeting.conference_id)


def test_auto_one_with_duration_five_makes_five_minute_steps(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = create(client)
    start = parse_wire_time(meeting.start_time)
    sandbox.join(meeting.conference_id)
    prolong(client, meeting.conference_id, control_token(client, meeting).token, auto=1, duration=5)
    assert parse_wire_time(detail(client, meeting.conference_id).end_time) == start + 30 * MINUTE

    sandbox.advance(minutes=31)
    assert parse_wire_time(detail(client, meeting.conference_id).end_time) == start + 35 * MINUTE
    sandbox.advance(minutes=5)
    assert parse_wire_time(detail(client, meeting.conference_id).end_time) == start + 40 * MINUTE
    steps = [e for e in sandbox.events(meeting.conference_id) if e["kind"] == "auto_extended"]
    assert [e["newEndTime"] - e["oldEndTime"] for e in steps] == [5 * 60 * 1000] * 2


def test_auto_one_with_duration_zero_turns_auto_extension_off(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    meeting = create(client)
    sandbox.join(meeting.conference_id)
    prolong(client, meeting.conference_id, control_token(client, meeting).token, auto=1, duration=0)
    sandbox.advance(minutes=31)
    assert ended(client, meeting.conference_id)
    assert "auto_extended" not in ledger_kinds(sandbox, meeting.conference_id)


def test_cap_stops_auto_extension_at_1440_minutes(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = create(client, length=1430)
    sandbox.join(meeting.conference_id)
    sandbox.advance(minutes=1441)
    events = sandbox.events(meeting.conference_id)
    started = next(e for e in events if e["kind"] == "started")
    steps = [e for e in events if e["kind"] == "auto_extended"]
    assert len(steps) == 1 and steps[0]["detail"] == "+10 min"
    assert events[-1]["kind"] == "ended" and events[-1]["detail"] == "cap_reached"
    assert events[-1]["at"] - started["at"] == 1440 * 60 * 1000


def test_scheduled_meeting_never_started_expires_at_its_scheduled_end(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    start = (sandbox.now() + 10 * MINUTE).replace(second=0, microsecond=0)
    meeting = create(client, start=start, length=15)
    assert meeting.conference_state == "Schedule"
    sandbox.advance(minutes=24)
    assert detail(client, meeting.conference_id).conference_state == "Schedule"
    sandbox.advance(minutes=2)
    assert ended(client, meeting.conference_id)
    expiry = sandbox.events(meeting.conference_id)[-1]
    assert expiry["kind"] == "ended" and expiry["detail"] == "expired"
    assert expiry["at"] == int((start + 15 * MINUTE).timestamp() * 1000)
    assert all(m.conference_id != meeting.conference_id for m in history(client, start))


def test_meeting_started_early_ends_at_actual_start_plus_length(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    scheduled = (sandbox.now() + 60 * MINUTE).replace(second=0, microsecond=0)
    meeting = create(client, start=scheduled, length=30)
    activate(client, meeting)
    running = detail(client, meeting.conference_id)
    assert running.conference_state == "Created"
    actual = parse_wire_time(running.start_time)
    assert actual < scheduled
    assert parse_wire_time(running.end_time) == actual + 30 * MINUTE
    sandbox.advance(minutes=31)
    assert ended(client, meeting.conference_id)


def test_meeting_without_participants_ends_on_time(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = create(client)
    sandbox.advance(minutes=29)
    assert not ended(client, meeting.conference_id)
    sandbox.advance(minutes=2)
    assert ended(client, meeting.conference_id)
    assert "auto_extended" not in ledger_kinds(sandbox, meeting.conference_id)


def test_a_participant_joining_starts_a_scheduled_meeting_and_is_listed(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    start = (sandbox.now() + 30 * MINUTE).replace(second=0, microsecond=0)
    meeting = create(client, start=start)
    sandbox.join(meeting.conference_id, name="Ada", role=1)
    assert detail(client, meeting.conference_id).conference_state == "Created"
    info = client.show_real_time_info_of_meeting(
        ShowRealTimeInfoOfMeetingRequest(
            conference_id=meeting.conference_id,
            x_conference_authorization=control_token(client, meeting).token,
        )
    )
    assert [p.name for p in info.participants] == ["Ada"]
    assert info.conf_info.chair_id == info.participants[0].pid


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sandbox/v1/clock"),
        ("POST", "/sandbox/v1/clock/advance"),
        ("POST", "/sandbox/v1/conferences/123456789/participants"),
        ("DELETE", "/sandbox/v1/conferences/123456789/participants/abc"),
        ("GET", "/sandbox/v1/conferences/123456789/events"),
        ("POST", "/sandbox/v1/reset"),
    ],
)
def test_sandbox_routes_are_absent_without_sandbox_mode(server: Server, method: str, path: str) -> None:
    with server.client() as http:
        r = http.request(method, path, json={"seconds": 60})
    assert_error(r, 404, "MMC.111070001", "Not found.")
