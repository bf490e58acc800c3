"""Recurring meetings on the sandbox clock (BEHAVIOUR §9): each sub-meeting of a series is a run
of its own that starts when its first participant joins, auto-extends while people stay, ends,
and lands in history with its own confUUID; extending one never moves another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from huaweicloudsdkmeeting.v1 import (
    CancelRecurringMeetingRequest,
    CancelRecurringSubMeetingRequest,
    ConferenceInfo,
    CreateRecurringMeetingRequest,
    CycleParams,
    MeetingClient,
    RestCancelSingleRecordCycleConfListReqBody,
    RestScheduleConfDTO,
    RestScheduleCycleConfDTO,
    SearchAttendanceRecordsOfHisMeetingRequest,
    ShowHisMeetingDetailRequest,
    UpdateRecurringMeetingRequest,
    UpdateRecurringSubMeetingRequest,
)

from support import Account, unique
from support.formats import parse_wire_time, wire_time
from support.sandbox import Sandbox
from support.sdk import SdkFactory, control_records, control_token, detail, history, prolong, sdk_error

MINUTE = timedelta(minutes=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def series_body(sandbox: Sandbox, days: int, *, minutes_ahead: int = 10) -> RestScheduleConfDTO:
    start = (sandbox.now() + minutes_ahead * MINUTE).replace(second=0, microsecond=0)
    first = start.astimezone(SHANGHAI).date()
    return RestScheduleConfDTO(
        media_types="Voice",
        subject=unique("daily"),
        start_time=wire_time(start),
        length=30,
        cycle_params=CycleParams(
            start_date=first.isoformat(),
            end_date=(first + timedelta(days=days - 1)).isoformat(),
            cycle="Day",
            interval=1,
            pre_remind_days=0,
        ),
    )


def create_series(client: MeetingClient, sandbox: Sandbox, days: int) -> ConferenceInfo:
    body = series_body(sandbox, days)
    conf: ConferenceInfo = client.create_recurring_meeting(CreateRecurringMeetingRequest(body=body)).body[0]
    assert len(conf.sub_confs) == days
    return conf


def advance_to(sandbox: Sandbox, at: datetime) -> None:
    sandbox.advance(seconds=max(0.0, (at - sandbox.now()).total_seconds()))


def test_a_week_of_daily_sub_meetings_each_runs_extends_and_ends_in_order(
    sdk: SdkFactory, member: Account, sandbox: Sandbox
) -> None:
    client = sdk.account(member)
    conf = create_series(client, sandbox, 5)
    subs = conf.sub_confs
    planned = {s.cycle_sub_conf_id: (s.start_time, s.end_time) for s in subs}
    runs = []
    for i, sub in enumerate(subs):
        start = parse_wire_time(sub.start_time)
        advance_to(sandbox, start + MINUTE)
        client = sdk.account(member)  # a day later: the access token has expired
        waiting = detail(client, conf.conference_id)
        assert waiting.conference_state == "Schedule"
        assert waiting.cycle_sub_conf_id == sub.cycle_sub_conf_id

        pid = sandbox.join(conf.conference_id)
        running = detail(client, conf.conference_id)
        assert running.conference_state == "Created" and running.conf_uuid
        assert running.cycle_sub_conf_id == sub.cycle_sub_conf_id
        runs.append(running.conf_uuid)

        sandbox.advance(minutes=30)  # its end: someone is there, so +15 min
        extended = detail(client, conf.conference_id)
        assert parse_wire_time(extended.end_time) == start + 46 * MINUTE
        for other in extended.sub_confs:
            if other.cycle_sub_conf_id != sub.cycle_sub_conf_id:
                assert (other.start_time, other.end_time) == planned[other.cycle_sub_conf_id]

        sandbox.leave(conf.conference_id, pid)
        sandbox.advance(minutes=16)
        if i + 1 < len(subs):
            after = detail(client, conf.conference_id)
            assert after.conference_state == "Schedule"
            assert after.cycle_sub_conf_id == subs[i + 1].cycle_sub_conf_id
            assert [s.cycle_sub_conf_id for s in after.sub_confs] == [
                s.cycle_sub_conf_id for s in subs[i + 1 :]
            ]
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(client, conf.conference_id)

    assert len(set(runs)) == 5
    found = {
        m.conf_uuid: m
        for around in (parse_wire_time(subs[1].start_time), parse_wire_time(subs[3].start_time))
        for m in history(client, around)
        if m.conference_id == conf.conference_id
    }
    assert set(found) == set(runs)
    for uuid, sub in zip(runs, subs, strict=True):
        assert found[uuid].cycle_sub_conf_id == sub.cycle_sub_conf_id
        assert parse_wire_time(found[uuid].start_time) == parse_wire_time(sub.start_time) + MINUTE
        shown = client.show_his_meeting_detail(ShowHisMeetingDetailRequest(conf_uuid=uuid)).conference_data
        assert shown.conf_uuid == uuid and shown.cycle_sub_conf_id == sub.cycle_sub_conf_id
        attendance = client.search_attendance_records_of_his_meeting(
            SearchAttendanceRecordsOfHisMeetingRequest(conf_uuid=uuid)
        )
        assert attendance.count == 1 and attendance.data[0].display_name == "participant"
        codes = [r.operate_code for r in control_records(client, uuid)]
        assert codes == ["START_CONF", "JOIN_CONF", "AUTO_PROLONG_CONF", "LEAVE_CONF", "STOP_CONF"], codes


def test_a_manual_extension_moves_only_its_own_sub_meeting(client: MeetingClient, sandbox: Sandbox) -> None:
    conf = create_series(client, sandbox, 2)
    first, second = conf.sub_confs
    advance_to(sandbox, parse_wire_time(first.start_time))
    sandbox.join(conf.conference_id)
    token = control_token(client, detail(client, conf.conference_id)).token
    prolong(client, conf.conference_id, token, auto=0, duration=60)
    shown = detail(client, conf.conference_id)
    assert parse_wire_time(shown.end_time) == parse_wire_time(first.end_time) + 60 * MINUTE
    assert (shown.sub_confs[1].start_time, shown.sub_confs[1].end_time) == (
        second.start_time,
        second.end_time,
    )


def test_editing_the_series_after_its_first_start_is_refused(client: MeetingClient, sandbox: Sandbox) -> None:
    conf = create_series(client, sandbox, 3)
    advance_to(sandbox, parse_wire_time(conf.sub_confs[0].start_time))
    sandbox.join(conf.conference_id)
    with sdk_error(400, "MMC.111071065", "The meeting has started and can no longer be edited."):
        client.update_recurring_meeting(
            UpdateRecurringMeetingRequest(conference_id=conf.conference_id, body=series_body(sandbox, 3))
        )
    running = conf.sub_confs[0]
    with sdk_error(400, "MMC.111071065", "The meeting has started and can no longer be edited."):
        client.update_recurring_sub_meeting(
            UpdateRecurringSubMeetingRequest(
                conference_id=conf.conference_id,
                body=RestScheduleCycleConfDTO(
                    cycle_sub_conf_id=running.cycle_sub_conf_id,
                    media_types="Voice",
                    start_time=wire_time(sandbox.now() + 10 * MINUTE),
                    length=30,
                ),
            )
        )


def test_cancelling_a_running_sub_meeting_needs_type_1(client: MeetingClient, sandbox: Sandbox) -> None:
    conf = create_series(client, sandbox, 3)
    first = conf.sub_confs[0]
    advance_to(sandbox, parse_wire_time(first.start_time))
    sandbox.join(conf.conference_id)
    run = detail(client, conf.conference_id).conf_uuid
    ids = RestCancelSingleRecordCycleConfListReqBody(cycle_sub_conf_i_ds=[first.cycle_sub_conf_id])
    with sdk_error(400, "MMC.111071067", "The meeting is in progress; cancel it with type=1 to end it."):
        client.cancel_recurring_sub_meeting(
            CancelRecurringSubMeetingRequest(conference_id=conf.conference_id, body=ids)
        )
    client.cancel_recurring_sub_meeting(
        CancelRecurringSubMeetingRequest(conference_id=conf.conference_id, type=1, body=ids)
    )
    after = detail(client, conf.conference_id)
    assert after.conference_state == "Schedule"
    assert after.cycle_sub_conf_id == conf.sub_confs[1].cycle_sub_conf_id
    assert run in {m.conf_uuid for m in history(client, sandbox.now())}


def test_cancelling_the_series_with_type_1_ends_the_running_sub_meeting(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    conf = create_series(client, sandbox, 3)
    advance_to(sandbox, parse_wire_time(conf.sub_confs[0].start_time))
    sandbox.join(conf.conference_id)
    run = detail(client, conf.conference_id).conf_uuid
    with sdk_error(400, "MMC.111071067", "The meeting is in progress; cancel it with type=1 to end it."):
        client.cancel_recurring_meeting(CancelRecurringMeetingRequest(conference_id=conf.conference_id))
    client.cancel_recurring_meeting(CancelRecurringMeetingRequest(conference_id=conf.conference_id, type=1))
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        detail(client, conf.conference_id)
    ended = [m for m in history(client, sandbox.now()) if m.conf_uuid == run]
    assert len(ended) == 1


def test_a_sub_meeting_nobody_joins_expires_and_the_next_one_follows(
    client: MeetingClient, sandbox: Sandbox
) -> None:
    conf = create_series(client, sandbox, 2)
    advance_to(sandbox, parse_wire_time(conf.sub_confs[0].end_time) + MINUTE)
    shown = detail(client, conf.conference_id)
    assert shown.cycle_sub_conf_id == conf.sub_confs[1].cycle_sub_conf_id
    assert shown.conference_state == "Schedule"
    assert datetime.now(UTC) < parse_wire_time(conf.sub_confs[1].start_time) + timedelta(days=2)
