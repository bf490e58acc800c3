"""The wire parsers never fail in any way but a clean refusal (hypothesis over arbitrary JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from overtime.api import wire
from overtime.api.errors import WireError
from overtime.domain.errors import DomainError
from overtime.domain.meeting import MeetingSpec

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    ["auto", "duration", "mediaTypes", "startTime", "length", "subject", "confConfigInfo", "attendees"]
)


@given(st.dictionaries(keys, values, max_size=6) | values)
def test_prolong_body_is_parsed_or_refused_cleanly(body: object) -> None:
    try:
        parsed = wire.decode(json.dumps(body).encode(), wire.ProlongBody)
    except WireError as e:
        assert e.status == 400 and e.code.startswith("MMC.")
        return
    assert isinstance(parsed.auto, int) and not isinstance(parsed.auto, bool)


@given(st.dictionaries(keys, values, max_size=8) | values)
def test_schedule_body_is_parsed_or_refused_cleanly(body: object) -> None:
    try:
        spec = wire.meeting_spec(wire.decode(json.dumps(body).encode(), wire.ScheduleConf), NOW)
    except (WireError, DomainError):  # a clean refusal; anything else fails
        return
    # Accepted: a validated spec, within the documented rules.
    assert isinstance(spec, MeetingSpec)
    assert 15 <= spec.length <= 1440, spec
    assert len(spec.subject) <= 128, spec
    assert spec.start is None or spec.start >= NOW.replace(second=0), spec


@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_cleanly(raw: bytes) -> None:
    try:
        wire.decode(raw, wire.ProlongBody)
    except WireError as e:
        assert e.code in ("MMC.111071061", "MMC.111071062", "MMC.111072057")
