"""The worked example of docs/howto/sandbox.md: testing an app's "meeting is about to end"
logic against Overtime's sandbox clock instead of waiting half an hour."""

from __future__ import annotations

from datetime import datetime, timedelta

from huaweicloudsdkmeeting.v1 import MeetingClient

from support.formats import parse_wire_time
from support.sandbox import Sandbox
from support.sdk import create, detail

# -- the application under test -------------------------------------------------------------


def about_to_end(client: MeetingClient, conference_id: str, now: datetime) -> bool:
    """The app warns its users when the meeting ends within five minutes."""
    end = parse_wire_time(detail(client, conference_id).end_time)
    return end - now <= timedelta(minutes=5)


# -- its test -------------------------------------------------------------------------------


def test_the_app_warns_five_minutes_before_the_end(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = create(client, length=30, prolong_length=0)  # no auto-extension: a hard end

    sandbox.advance(minutes=24)
    assert not about_to_end(client, meeting.conference_id, sandbox.now())

    sandbox.advance(minutes=1, seconds=30)
    assert about_to_end(client, meeting.conference_id, sandbox.now())


def test_the_warning_goes_away_when_the_meeting_auto_extends(client: MeetingClient, sandbox: Sandbox) -> None:
    meeting = create(client, length=30)  # default: 15-minute auto-extension while people are in it
    sandbox.join(meeting.conference_id, name="Grace")

    sandbox.advance(minutes=26)
    assert about_to_end(client, meeting.conference_id, sandbox.now())

    sandbox.advance(minutes=5)  # the end passes with Grace present: +15 minutes
    assert not about_to_end(client, meeting.conference_id, sandbox.now())
