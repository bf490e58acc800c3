"""Recording and live on the Room, and the recording a run leaves (BEHAVIOUR §10), with no I/O."""

from __future__ import annotations

import pytest

from overtime.domain import errors
from overtime.domain.meeting import EndReason, EventKind, Meeting
from overtime.domain.room import Room
from unit.test_meeting import MIN, T0, instant


def _meeting(**details: object) -> Meeting:
    m = instant(length=60)
    m.details.update(details)
    m.events.clear()
    return m


def test_spans_add_up_and_the_recording_exists_once_the_run_ends() -> None:
    m = _meeting(recordType=2)
    room = Room(m, [])
    room.record(1, T0 + MIN)
    room.record(1, T0 + 2 * MIN)  # already recording: the span goes on
    room.record(0, T0 + 3 * MIN)
    room.record(0, T0 + 4 * MIN)  # already stopped: nothing more
    room.record(1, T0 + 10 * MIN)
    assert (m.room.rec_state, m.room.rec_occurred, m.room.rec_ms) == (1, 1, 2 * 60_000)
    m.end(T0 + 15 * MIN, EndReason.STOPPED, "chair")  # still recording: the span ends with the run
    kinds = [e.kind for e in m.events]
    assert kinds == [EventKind.RECORD_SET] * 5 + [EventKind.ENDED, EventKind.RECORD_FINISHED]
    (recording,) = m.recorded
    assert recording.seconds == 7 * 60
    assert (recording.rec_start, recording.rec_end) == (T0 + MIN, T0 + 15 * MIN)
    assert recording.size_mb == 35 and m.room.has_record_file


def test_a_run_that_never_recorded_leaves_no_recording() -> None:
    m = _meeting(recordType=2)
    m.end(T0 + MIN, EndReason.STOPPED, "chair")
    assert [e.kind for e in m.events] == [EventKind.ENDED]
    assert not m.room.has_record_file


@pytest.mark.parametrize("record_type", [None, 0, 1])
def test_record_needs_a_recording_meeting(record_type: int | None) -> None:
    m = _meeting() if record_type is None else _meeting(recordType=record_type)
    with pytest.raises(errors.NotRecordingMeeting):
        Room(m, []).record(1, T0)
    assert m.events == [] and m.room.rec_state == 0


@pytest.mark.parametrize(
    ("details", "allowed"),
    [
        ({"recordType": 1, "liveAddress": "rtmp://x/app"}, True),
        ({"recordType": 3, "liveAddress": "rtmp://x/app"}, True),
        ({"recordType": 2, "liveAddress": "rtmp://x/app"}, False),
        ({"recordType": 1}, False),
        ({"recordType": 1, "liveAddress": ""}, False),
    ],
)
def test_live_needs_a_live_type_and_an_address(details: dict[str, object], allowed: bool) -> None:
    m = _meeting(**details)
    room = Room(m, [])
    if allowed:
        room.live(1, T0)
        assert m.room.live_state == 1
    else:
        with pytest.raises(errors.LiveFailed):
            room.live(1, T0)
        assert m.room.live_state == 0 and m.events == []
    room.live(0, T0)  # stopping is always allowed
    assert m.room.live_state == 0
