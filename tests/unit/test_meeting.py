"""The Meeting aggregate's rules, with no I/O (BEHAVIOUR §2-§4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overtime.domain import errors
from overtime.domain.meeting import (
    EndReason,
    EventKind,
    Meeting,
    MeetingState,
    Policy,
    validate_spec,
)

T0 = datetime(2026, 3, 2, 10, 0, 12, tzinfo=UTC)
MIN = timedelta(minutes=1)
POLICY = Policy()


def instant(length: int = 30, prolong_step: int | None = None) -> Meeting:
    spec = validate_spec(
        subject="s",
        media_types="Voice",
        length=length,
        start=None,
        guest_password=None,
        prolong_step=prolong_step,
        allow_guest_start=False,
        now=T0,
    )
    return Meeting.create(
        spec,
        conference_id="123456789",
        owner_id="o",
        corp_id="c",
        chair_password="111111",
        random_guest_password="222222",
        policy=POLICY,
        now=T0,
    )


def test_instant_meeting_runs_from_now_for_its_length() -> None:
    m = instant()
    assert m.state is MeetingState.RUNNING
    assert m.started_at == T0 and m.end_at == T0 + 30 * MIN
    assert m.prolong_step == 15
    assert [e.kind for e in m.events] == [EventKind.CREATED, EventKind.STARTED]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("length", 14, errors.LengthOutOfRange),
        ("length", 1441, errors.LengthOutOfRange),
        ("subject", "x" * 129, errors.SubjectTooLong),
        ("start", T0 - 2 * MIN, errors.StartTimeInPast),
        ("guest_password", "12", errors.GuestPasswordInvalid),
        ("guest_password", "12a4", errors.GuestPasswordInvalid),
        ("prolong_step", 61, errors.AutoModeInvalid),
        ("media_types", "", errors.InvalidParameter),
    ],
)
def test_invalid_specs_are_refused(field: str, value: object, error: type[Exception]) -> None:
    args: dict[str, object] = dict(
        subject="s",
        media_types="Voice",
        length=30,
        start=None,
        guest_password=None,
        prolong_step=None,
        allow_guest_start=False,
        now=T0,
    )
    args[field] = value
    with pytest.raises(error):
        validate_spec(**args)  # type: ignore[arg-type]


def test_start_in_the_current_minute_is_allowed() -> None:
    spec = validate_spec(
        subject="",
        media_types="Voice",
        length=30,
        start=T0.replace(second=0),
        guest_password=None,
        prolong_step=None,
        allow_guest_start=False,
        now=T0,
    )
    assert spec.start == T0.replace(second=0)


def test_manual_extension_moves_the_end_and_is_recorded() -> None:
    m = instant()
    m.prolong(40, T0 + MIN, "chair", POLICY)
    assert m.end_at == T0 + 70 * MIN
    last = m.events[-1]
    assert (last.kind, last.old_end, last.new_end) == (EventKind.EXTENDED, T0 + 30 * MIN, T0 + 70 * MIN)


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_manual_extension_out_of_range_changes_nothing(minutes: int) -> None:
    m = instant()
    with pytest.raises(errors.DurationOutOfRange):
        m.prolong(minutes, T0, "chair", POLICY)
    assert m.end_at == T0 + 30 * MIN


def test_manual_extension_past_the_cap_is_refused_whole() -> None:
    m = instant(length=1400)
    with pytest.raises(errors.DurationOutOfRange):
        m.prolong(41, T0, "chair", POLICY)
    m.prolong(40, T0, "chair", POLICY)
    assert m.end_at == T0 + 1440 * MIN


def test_auto_extends_while_present_and_stops_at_the_cap() -> None:
    m = instant(length=1430)
    m.on_deadline(present=1, policy=POLICY)
    assert m.end_at == T0 + 1440 * MIN and m.events[-1].detail == "+10 min"
    m.on_deadline(present=1, policy=POLICY)
    assert m.state is MeetingState.ENDED and m.ended_reason == EndReason.CAP_REACHED
    assert m.end_at == T0 + 1440 * MIN


def test_ends_at_its_end_time_when_nobody_is_present() -> None:
    m = instant()
    m.on_deadline(present=0, policy=POLICY)
    assert m.state is MeetingState.ENDED and m.end_at == T0 + 30 * MIN
    assert m.events[-1].at == T0 + 30 * MIN


def test_step_zero_turns_auto_extension_off() -> None:
    m = instant()
    m.set_auto_extension(0, T0, "chair")
    m.on_deadline(present=3, policy=POLICY)
    assert m.state is MeetingState.ENDED


def test_ended_meeting_refuses_every_change() -> None:
    m = instant()
    m.end(T0 + MIN, EndReason.STOPPED, "chair")
    for change in (
        lambda: m.prolong(5, T0, "chair", POLICY),
        lambda: m.set_auto_extension(5, T0, "chair"),
        lambda: m.end(T0, EndReason.STOPPED, "chair"),
        lambda: m.start(T0, "x"),
    ):
        with pytest.raises(errors.MeetingEnded):
            change()


def test_scheduled_meeting_expires_at_its_scheduled_end() -> None:
    spec = validate_spec(
        subject="",
        media_types="Voice",
        length=15,
        start=T0 + 60 * MIN,
        guest_password=None,
        prolong_step=None,
        allow_guest_start=False,
        now=T0,
    )
    m = Meeting.create(
        spec,
        conference_id="1",
        owner_id="o",
        corp_id="c",
        chair_password="1",
        random_guest_password="2",
        policy=POLICY,
        now=T0,
    )
    assert m.deadline == T0 + 75 * MIN
    m.on_deadline(present=0, policy=POLICY)
    assert m.state is MeetingState.EXPIRED and m.deadline is None


def test_running_meeting_cannot_be_edited_or_cancelled_without_type_1() -> None:
    m = instant()
    with pytest.raises(errors.MeetingInProgress):
        m.cancel(T0, "o", end_running=False)
    m.cancel(T0 + MIN, "o", end_running=True)
    assert m.state is MeetingState.ENDED and m.ended_reason == EndReason.CANCELLED
