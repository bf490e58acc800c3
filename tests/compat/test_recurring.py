"""The official SDK's recurring meetings against Overtime (BEHAVIOUR §9, reference control §8):
create_recurring_meeting, update_recurring_meeting, cancel_recurring_meeting,
update_recurring_sub_meeting, cancel_recurring_sub_meeting, create_meeting with cycleParams,
subConfs in detail and list answers, and the refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from huaweicloudsdkmeeting.v1 import (
    CancelRecurringMeetingRequest,
    CancelRecurringSubMeetingRequest,
    ConferenceInfo,
    CreateMeetingRequest,
    CreateRecurringMeetingRequest,
    CycleParams,
    MeetingClient,
    RestCancelSingleRecordCycleConfListReqBody,
    RestScheduleConfDTO,
    RestScheduleCycleConfDTO,
    SearchMeetingsRequest,
    UpdateMeetingRequest,
    UpdateRecurringMeetingRequest,
    UpdateRecurringSubMeetingRequest,
)

from support import Server, unique
from support.formats import parse_wire_time, wire_time
from support.sdk import SdkFactory, detail, listed_ids, sdk_error

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _today(tz: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(tz).date()


def _next_last_sunday_of_march() -> date:
    today = _today(BERLIN)
    for year in (today.year, today.year + 1):
        day = date(year, 3, 31)
        while day.weekday() != 6:
            day -= timedelta(days=1)
        if day - timedelta(days=2) > today:
            return day
    raise AssertionError("unreachable")


def _body(
    first: date,
    last: date,
    *,
    local: time = time(9, 0),
    tz: ZoneInfo = SHANGHAI,
    zone_id: str = "56",
    cycle: str = "Day",
    point: list[int] | None = None,
    length: int = 30,
) -> RestScheduleConfDTO:
    start = datetime.combine(first, local, tzinfo=tz).astimezone(UTC)
    return RestScheduleConfDTO(
        media_types="Voice",
        subject=unique("series"),
        start_time=wire_time(start),
        length=length,
        time_zone_id=zone_id,
        cycle_params=CycleParams(
            start_date=first.isoformat(),
            end_date=last.isoformat(),
            cycle=cycle,
            interval=1,
            point=point,
            pre_remind_days=1,
        ),
    )


def _create(client: MeetingClient, body: RestScheduleConfDTO) -> ConferenceInfo:
    response = client.create_recurring_meeting(CreateRecurringMeetingRequest(body=body))
    assert isinstance(response.body, list) and len(response.body) == 1
    conf: ConferenceInfo = response.body[0]
    return conf


def _starts(conf: ConferenceInfo) -> list[datetime]:
    return [parse_wire_time(s.start_time) for s in conf.sub_confs or []]


def _soon(days: int = 1) -> date:
    return _today(SHANGHAI) + timedelta(days=days)


def test_daily_series_in_berlin_keeps_9_local_across_the_spring_change(client: MeetingClient) -> None:
    sunday = _next_last_sunday_of_march()
    first = sunday - timedelta(days=2)
    conf = _create(client, _body(first, first + timedelta(days=4), tz=BERLIN, zone_id="27"))
    assert conf.conference_type == 2 and conf.conf_type == "CYCLE"
    assert conf.time_zone_id == "27"
    starts = _starts(conf)
    assert [s.astimezone(BERLIN).time() for s in starts] == [time(9, 0)] * 5
    assert [s.hour for s in starts] == [8, 8, 7, 7, 7]
    assert [s.astimezone(BERLIN).date() for s in starts] == [first + timedelta(days=i) for i in range(5)]
    subs = conf.sub_confs
    assert conf.cycle_sub_conf_id == subs[0].cycle_sub_conf_id
    assert len({s.cycle_sub_conf_id for s in subs}) == 5
    assert all(len(s.cycle_sub_conf_id) == 32 for s in subs)
    assert all(
        parse_wire_time(s.end_time) - parse_wire_time(s.start_time) == timedelta(minutes=30) for s in subs
    )
    assert conf.cycle_params.end_date == (first + timedelta(days=4)).isoformat()
    assert conf.start_time == subs[0].start_time

    shown = detail(client, conf.conference_id)
    assert [s.cycle_sub_conf_id for s in shown.sub_confs] == [s.cycle_sub_conf_id for s in subs]
    listed = client.search_meetings(SearchMeetingsRequest(limit=500)).data
    mine = [m for m in listed if m.conference_id == conf.conference_id]
    assert len(mine) == 1 and len(mine[0].sub_confs) == 5


def test_weekly_monday_and_wednesday(client: MeetingClient) -> None:
    first = _soon()
    first += timedelta(days=(7 - first.weekday()) % 7)  # a Monday
    conf = _create(client, _body(first, first + timedelta(days=13), cycle="Week", point=[1, 3]))
    days = [s.astimezone(SHANGHAI).date() for s in _starts(conf)]
    assert days == [first + timedelta(days=d) for d in (0, 2, 7, 9)]


def test_monthly_on_day_31_lands_on_the_last_day_of_shorter_months(client: MeetingClient) -> None:
    today = _soon()
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    last = date(first.year + (first.month > 8), (first.month + 3) % 12 + 1, 1) - timedelta(days=1)
    conf = _create(client, _body(first, last, cycle="Month", point=[31]))
    days = [s.astimezone(SHANGHAI).date() for s in _starts(conf)]
    assert len(days) == 4
    for d in days:
        assert (d + timedelta(days=1)).day == 1  # the month's last day


def test_sixty_requested_are_cut_to_fifty_and_the_answer_says_so(client: MeetingClient) -> None:
    first = _soon()
    conf = _create(client, _body(first, first + timedelta(days=59)))
    assert len(conf.sub_confs) == 50
    assert conf.cycle_params.end_date == (first + timedelta(days=49)).isoformat()


def test_create_meeting_with_cycle_params_creates_the_series(client: MeetingClient) -> None:
    first = _soon()
    response = client.create_meeting(CreateMeetingRequest(body=_body(first, first + timedelta(days=2))))
    conf = response.body[0]
    assert conf.conf_type == "CYCLE" and len(conf.sub_confs) == 3


def test_over_a_year_or_an_empty_period_is_refused(client: MeetingClient) -> None:
    first = _soon()
    with sdk_error(400, "MMC.111071069", "endDate must be on or after startDate and within one year of it."):
        _create(client, _body(first, first + timedelta(days=367)))
    sunday_free = first + timedelta(days=(7 - first.weekday()) % 7)  # Monday .. Friday
    with sdk_error(400, "MMC.111071069", "No meeting falls in the selected period."):
        _create(client, _body(sunday_free, sunday_free + timedelta(days=4), cycle="Week", point=[0]))
    with sdk_error(400, "MMC.111071061", "timeZoneID must be a time zone id from 1 to 73, not '74'."):
        _create(client, _body(first, first + timedelta(days=2), zone_id="74"))
    with sdk_error(400, "MMC.111071045", "cycleParams.point is required for a weekly or monthly cycle."):
        _create(client, _body(first, first + timedelta(days=9), cycle="Week"))
    body = _body(first, first)
    body.cycle_params = None
    with sdk_error(400, "MMC.111071020", "A recurring meeting needs cycleParams."):
        _create(client, body)


def _edit_sub(
    client: MeetingClient, conf: ConferenceInfo, sub_id: str, start: datetime, length: int = 30
) -> None:
    client.update_recurring_sub_meeting(
        UpdateRecurringSubMeetingRequest(
            conference_id=conf.conference_id,
            body=RestScheduleCycleConfDTO(
                cycle_sub_conf_id=sub_id, media_types="Voice", start_time=wire_time(start), length=length
            ),
        )
    )


def test_edit_one_sub_meeting_moves_only_it(client: MeetingClient) -> None:
    first = _soon()
    conf = _create(client, _body(first, first + timedelta(days=2)))
    subs = conf.sub_confs
    moved = parse_wire_time(subs[1].start_time) + timedelta(hours=2)
    _edit_sub(client, conf, subs[1].cycle_sub_conf_id, moved, 45)
    after = detail(client, conf.conference_id).sub_confs
    assert [s.cycle_sub_conf_id for s in after] == [s.cycle_sub_conf_id for s in subs]
    assert after[0].start_time == subs[0].start_time and after[2].start_time == subs[2].start_time
    assert parse_wire_time(after[1].start_time) == moved
    assert parse_wire_time(after[1].end_time) == moved + timedelta(minutes=45)

    msg = "The sub-meeting would overlap another sub-meeting."
    with sdk_error(400, "MMC.111071119", msg):
        _edit_sub(
            client,
            conf,
            subs[0].cycle_sub_conf_id,
            moved - timedelta(minutes=10),
        )
    with sdk_error(400, "MMC.111071119", "The sub-meeting would leave the series' time window."):
        _edit_sub(
            client, conf, subs[1].cycle_sub_conf_id, parse_wire_time(subs[2].end_time) + timedelta(days=1)
        )
    assert detail(client, conf.conference_id).sub_confs == after


def test_edit_the_series_before_it_starts(client: MeetingClient) -> None:
    first = _soon()
    conf = _create(client, _body(first, first + timedelta(days=2)))
    body = _body(first, first + timedelta(days=3), local=time(10, 0))
    response = client.update_recurring_meeting(
        UpdateRecurringMeetingRequest(conference_id=conf.conference_id, body=body)
    )
    updated = response.body[0]
    assert len(updated.sub_confs) == 4
    assert all(s.astimezone(SHANGHAI).time() == time(10, 0) for s in _starts(updated))
    assert updated.subject == body.subject


def test_cancel_one_sub_meeting_then_the_series(client: MeetingClient) -> None:
    first = _soon()
    conf = _create(client, _body(first, first + timedelta(days=2)))
    subs = conf.sub_confs
    client.cancel_recurring_sub_meeting(
        CancelRecurringSubMeetingRequest(
            conference_id=conf.conference_id,
            body=RestCancelSingleRecordCycleConfListReqBody(cycle_sub_conf_i_ds=[subs[0].cycle_sub_conf_id]),
        )
    )
    shown = detail(client, conf.conference_id)
    assert [s.cycle_sub_conf_id for s in shown.sub_confs] == [s.cycle_sub_conf_id for s in subs[1:]]
    assert shown.cycle_sub_conf_id == subs[1].cycle_sub_conf_id
    assert shown.start_time == subs[1].start_time

    with sdk_error(400, "MMC.111071016", "cycleSubConfIDs must not be empty."):
        client.cancel_recurring_sub_meeting(
            CancelRecurringSubMeetingRequest(
                conference_id=conf.conference_id,
                body=RestCancelSingleRecordCycleConfListReqBody(cycle_sub_conf_i_ds=[]),
            )
        )
    client.cancel_recurring_meeting(CancelRecurringMeetingRequest(conference_id=conf.conference_id))
    assert conf.conference_id not in listed_ids(client)
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        client.cancel_recurring_meeting(CancelRecurringMeetingRequest(conference_id=conf.conference_id))


def test_a_one_off_meeting_is_not_a_series(client: MeetingClient) -> None:
    conf = client.create_meeting(CreateMeetingRequest(body=RestScheduleConfDTO(media_types="Voice"))).body[0]
    with sdk_error(400, "MMC.111070005", "The meeting is not a recurring meeting."):
        client.cancel_recurring_meeting(CancelRecurringMeetingRequest(conference_id=conf.conference_id))


def test_another_members_series_does_not_exist_for_them(
    client: MeetingClient, sdk: SdkFactory, server: Server
) -> None:
    first = _soon()
    conf = _create(client, _body(first, first + timedelta(days=2)))
    other = sdk.account(server.add_user())
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        other.cancel_recurring_meeting(CancelRecurringMeetingRequest(conference_id=conf.conference_id))
    with sdk_error(400, "MMC.111070005", "Meeting does not exist."):
        other.update_recurring_sub_meeting(
            UpdateRecurringSubMeetingRequest(
                conference_id=conf.conference_id,
                body=RestScheduleCycleConfDTO(
                    cycle_sub_conf_id=conf.sub_confs[1].cycle_sub_conf_id,
                    media_types="Voice",
                    start_time=conf.sub_confs[1].start_time,
                    length=30,
                ),
            )
        )
    assert len(detail(client, conf.conference_id).sub_confs) == 3


def test_update_meeting_on_a_series_needs_its_cycle(client: MeetingClient) -> None:
    first = _soon()
    conf = _create(client, _body(first, first + timedelta(days=2)))
    plain = RestScheduleConfDTO(media_types="Voice", subject="x", start_time=conf.start_time, length=30)
    with sdk_error(400, "MMC.111071020", "A recurring meeting needs cycleParams."):
        client.update_meeting(UpdateMeetingRequest(conference_id=conf.conference_id, body=plain))
    again = _body(first, first + timedelta(days=1))
    updated = client.update_meeting(UpdateMeetingRequest(conference_id=conf.conference_id, body=again)).body[
        0
    ]
    assert len(updated.sub_confs) == 2 and updated.subject == again.subject
