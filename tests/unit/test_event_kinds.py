"""Every kind of meeting change states all its consequences (issue 10): a kind declared without
them is refused at import, and each stated consequence is one the rest of the server can use."""

from __future__ import annotations

import re
from dataclasses import fields
from enum import StrEnum

import pytest

from overtime.domain.events import Effects, EventKind


def test_every_kind_states_every_consequence() -> None:
    declared = {f.name for f in fields(Effects)}
    assert declared == {"control_code", "webhooks", "moves_deadline", "presence", "dynamic"}
    for kind in EventKind:
        assert isinstance(kind.effects, Effects), kind
        for name in declared:
            assert getattr(kind.effects, name) is not None, (kind, name)


def test_control_codes_are_huawei_style_and_unique() -> None:
    codes = [kind.effects.control_code for kind in EventKind]
    assert all(re.fullmatch(r"[A-Z_]+", code) for code in codes), codes
    assert len(set(codes)) == len(codes)


def test_webhook_names_are_huawei_style_events() -> None:
    for kind in EventKind:
        assert all(re.fullmatch(r"(meeting|record)\.[a-z]+", name) for name in kind.effects.webhooks), kind


def test_only_sites_entering_or_leaving_the_meeting_become_join_and_left_webhooks() -> None:
    for kind in EventKind:
        people_hooks = {"meeting.join", "meeting.left"} & set(kind.effects.webhooks)
        assert bool(people_hooks) == (kind in (EventKind.JOINED, EventKind.LEFT)), kind
        if people_hooks:
            assert kind.effects.presence and not kind.effects.moves_deadline, kind


def test_kinds_that_start_or_end_calls_wake_the_deadline_loop() -> None:
    """An unanswered call ends at a deadline (BEHAVIOUR §8): whatever starts or ends calls may
    move the meeting's next deadline."""
    for kind in (EventKind.INVITED, EventKind.CALL_FAILED, EventKind.HUNG_UP, EventKind.ATTENDEES_DELETED):
        assert kind.effects.moves_deadline and kind.effects.presence, kind


def test_a_kind_without_its_effects_is_refused() -> None:
    with pytest.raises(TypeError, match="declared without its Effects"):

        class Broken(StrEnum):  # the same constructor as EventKind, one member missing effects
            __new__ = EventKind._new_member_  # type: ignore[assignment]
            effects: Effects
            LOCKED = "locked"


def test_kinds_look_up_by_their_stored_value() -> None:
    for kind in EventKind:
        assert EventKind(kind.value) is kind
