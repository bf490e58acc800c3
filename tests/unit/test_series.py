"""Recurring meetings, no I/O (BEHAVIOUR §9): the occurrences of a cycle in its zone, the
50-occurrence cut, refusals, and a series' sub-meetings as runs of one Meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overtime.domain import errors
from overtime.domain.meeting import EndReason, Meeting, MeetingKind, MeetingState, Policy, validate_spec
from overtime.domain.series import Cycle, Series, SubState, occurrences, validate_cycle, zone

NOW = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def cycle(
    start: str, end: str, kind: str = "Day", interval: int | None = None, points: list[int] | None = None
) -> Cycle:
    return validate_cycle(
        start_date=start, end_date=end, cycle=kind, interval=interval, points=points, pre_remind_days=None
    )


def test_daily_series_in_berlin_keeps_local_time_across_the_spring_change() -> None:
    # 09:00 in Berlin: 08:00 UTC in winter (CET), 07:00 UTC from the last Sunday of March (CEST).
    starts, cut = occurrences(
        cycle("2026-03-27", "2026-03-31"), datetime(2026, 3, 27, 8, 0, tzinfo=UTC), zone("27"), NOW
    )
    assert not cut
    assert [s.hour for s in starts] == [8, 8, 7, 7, 7]
    assert [s.astimezone(zone("27")).hour for s in starts] == [9] * 5
    assert [s.day for s in starts] == [27, 28, 29, 30, 31]


def test_weekly_monday_and_wednesday() -> None:
    starts, _ = occurrences(
        cycle("2026-03-23", "2026-04-05", "Week", points=[1, 3]),
        datetime(2026, 3, 23, 1, 0, tzinfo=UTC),
        zone("56"),
        NOW,
    )
    assert [(s.day, s.strftime("%a")) for s in starts] == [(23, "Mon"), (25, "Wed"), (30, "Mon"), (1, "Wed")]


def test_monthly_on_day_31_lands_on_the_last_day_of_shorter_months() -> None:
    starts, _ = occurrences(
        cycle("2026-03-21", "2026-07-31", "Month", points=[31]),
        datetime(2026, 3, 21, 2, 0, tzinfo=UTC),
        zone("56"),
        NOW,
    )
    assert [s.astimezone(zone("56")).date().isoformat() for s in starts] == [
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
    ]


def test_interval_every_third_day() -> None:
    starts, _ = occurrences(
        cycle("2026-03-21", "2026-03-31", interval=3),
        datetime(2026, 3, 21, 2, 0, tzinfo=UTC),
        zone("56"),
        NOW,
    )
    assert [s.day for s in starts] == [21, 24, 27, 30]


def test_sixty_requested_are_cut_to_fifty_and_the_end_date_moves() -> None:
    c = cycle("2026-03-21", "2026-05-19")
    series = Series.plan(c, "56", datetime(2026, 3, 21, 2, 0, tzinfo=UTC), 30, "Voice", NOW)
    assert len(series.subs) == 50
    assert series.cycle["endDate"] == "2026-05-09"
    assert [s.state for s in series.subs[:2]] == [SubState.CURRENT, SubState.PENDING]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"start_date": None}, errors.CycleStartDateMissing),
        ({"end_date": ""}, errors.CycleEndDateMissing),
        ({"cycle": "Year"}, errors.CycleInvalid),
        ({"interval": 16}, errors.CycleIntervalOutOfRange),
        ({"cycle": "Week", "points": None}, errors.CyclePointMissing),
        ({"cycle": "Week", "points": [7]}, errors.CyclePointOutOfRange),
        ({"cycle": "Month", "points": [0]}, errors.CyclePointOutOfRange),
        ({"end_date": "2027-03-22"}, errors.CycleNoOccurrence),
        ({"end_date": "2026-03-20"}, errors.CycleNoOccurrence),
        ({"start_date": "21 March"}, errors.InvalidParameter),
    ],
)
def test_bad_cycles_are_refused(kwargs: dict[str, object], error: type[errors.DomainError]) -> None:
    values: dict[str, object] = {
        "start_date": "2026-03-21",
        "end_date": "2026-03-25",
        "cycle": "Day",
        "interval": None,
        "points": None,
        "pre_remind_days": None,
    }
    values.update(kwargs)
    with pytest.raises(error):
        validate_cycle(**values)  # type: ignore[arg-type]


def test_a_period_with_no_occurrence_is_refused() -> None:
    # Sundays only, in a period with none.
    with pytest.raises(errors.CycleNoOccurrence):
        occurrences(
            cycle("2026-03-23", "2026-03-27", "Week", points=[0]),
            datetime(2026, 3, 23, 1, 0, tzinfo=UTC),
            zone("56"),
            NOW,
        )


@pytest.mark.parametrize("value", ["0", "74", "abc", "-1", "5.0"])
def test_unknown_time_zone_ids_are_refused(value: str) -> None:
    with pytest.raises(errors.InvalidParameter):
        zone(value)


def test_default_zone_is_beijing() -> None:
    assert str(zone(None)) == "Asia/Shanghai" and str(zone("26")) == "Europe/London"


def _series(days: int = 3) -> Meeting:
    spec = validate_spec(
        subject="s",
        media_types="Voice",
        length=30,
        start=None,
        guest_password=None,
        prolong_step=15,
        allow_guest_start=False,
        now=NOW,
    )
    start = datetime(2026, 3, 21, 8, 0, tzinfo=UTC)
    series = Series.plan(cycle("2026-03-21", f"2026-03-{20 + days}"), "56", start, 30, "Voice", NOW)
    return Meeting.create_series(
        spec,
        series,
        conference_id="123456789",
        owner_id="o",
        corp_id="c",
        chair_password="111111",
        random_guest_password="222222",
        policy=Policy(),
        now=NOW,
    )


def test_each_sub_meeting_runs_and_rolls_on_to_the_next() -> None:
    m = _series()
    assert m.kind is MeetingKind.CYCLE and m.state is MeetingState.SCHEDULED
    assert m.series is not None
    first, second = m.series.subs[0], m.series.subs[1]
    assert m.cycle_sub_id == first.sub_id and m.scheduled_start == first.start
    m.joined("a", "p1", first.start)
    run = m.conf_uuid
    m.end(first.start + 30 * MIN, EndReason.STOPPED, "chair")
    assert m.state is MeetingState.SCHEDULED and m.cycle_sub_id == second.sub_id
    assert m.scheduled_start == second.start and m.conf_uuid == ""
    assert [a.conf_uuid for a in m.archived] == [run]
    assert m.archived[0].state is MeetingState.ENDED and m.archived[0].cycle_sub_id == first.sub_id
    assert all(e.run == (run, first.sub_id) for e in m.events)


def test_a_sub_meeting_never_started_expires_and_the_next_follows() -> None:
    m = _series()
    assert m.series is not None
    m.on_deadline(0, Policy())
    assert m.state is MeetingState.SCHEDULED and m.cycle_sub_id == m.series.subs[1].sub_id
    assert m.archived == []


def test_moving_a_sub_meeting_onto_a_neighbour_or_out_of_the_window_is_refused() -> None:
    m = _series()
    assert m.series is not None
    second, third = m.series.subs[1], m.series.subs[2]
    with pytest.raises(errors.SubMeetingOutOfRange):
        m.update_sub(
            second.sub_id,
            start=third.start + 10 * MIN,
            length=30,
            media_types="Voice",
            details={},
            now=NOW,
            actor="o",
        )
    with pytest.raises(errors.SubMeetingOutOfRange):
        m.update_sub(
            second.sub_id, start=third.end, length=30, media_types="Voice", details={}, now=NOW, actor="o"
        )
    m.update_sub(
        second.sub_id,
        start=second.start + 60 * MIN,
        length=45,
        media_types="Voice",
        details={},
        now=NOW,
        actor="o",
    )
    assert second.start == datetime(2026, 3, 22, 9, 0, tzinfo=UTC) and third.start == datetime(
        2026, 3, 23, 8, 0, tzinfo=UTC
    )


def test_the_series_cannot_be_edited_once_a_sub_meeting_started() -> None:
    m = _series()
    assert m.series is not None
    m.joined("a", "p1", m.series.subs[0].start)
    m.end(m.series.subs[0].start + 30 * MIN, EndReason.STOPPED, "chair")
    spec = validate_spec(
        subject="s",
        media_types="Voice",
        length=30,
        start=None,
        guest_password=None,
        prolong_step=None,
        allow_guest_start=False,
        now=NOW,
    )
    with pytest.raises(errors.MeetingAlreadyStarted):
        m.update_series(spec, m.series.copy(), NOW, "o")


def test_cancelling_sub_meetings_then_the_last_cancels_the_series() -> None:
    m = _series(2)
    assert m.series is not None
    first, second = m.series.subs
    m.cancel_subs([first.sub_id], NOW, "o", end_running=False)
    assert m.cycle_sub_id == second.sub_id and m.state is MeetingState.SCHEDULED
    m.cancel_subs([second.sub_id], NOW, "o", end_running=False)
    assert m.state is MeetingState.CANCELLED


def test_a_running_sub_meeting_is_cancelled_only_with_type_1() -> None:
    m = _series(2)
    assert m.series is not None
    first = m.series.subs[0]
    m.joined("a", "p1", first.start)
    with pytest.raises(errors.MeetingInProgress):
        m.cancel_subs([first.sub_id], first.start, "o", end_running=False)
    m.cancel_subs([first.sub_id], first.start + MIN, "o", end_running=True)
    assert m.state is MeetingState.SCHEDULED and m.cycle_sub_id == m.series.subs[1].sub_id
    assert len(m.archived) == 1


def test_a_sub_meeting_moved_before_the_current_one_becomes_current() -> None:
    m = _series()
    assert m.series is not None
    first, second = m.series.subs[0], m.series.subs[1]
    # the first one moves to after the second: the second comes first now
    m.update_sub(
        first.sub_id,
        start=second.end + 60 * MIN,
        length=30,
        media_types="HDVideo",
        details={},
        now=NOW,
        actor="o",
    )
    assert m.cycle_sub_id == second.sub_id and m.scheduled_start == second.start
    assert [s.sub_id for s in m.series.subs[:2]] == [second.sub_id, first.sub_id]
    assert [s.state for s in m.series.subs[:2]] == [SubState.CURRENT, SubState.PENDING]
