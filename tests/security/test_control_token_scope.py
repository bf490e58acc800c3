"""A control token opens exactly one meeting run: never another meeting, and an access token
never stands in for it (BEHAVIOUR §1, §4, §5)."""

from __future__ import annotations

from typing import Any

import pytest

from api.helpers import MEETINGS, MakeMember, Member, assert_error, basic, ok
from security.wire import (
    ACCESS_TOKEN_INVALID,
    CONF_AUTH_FAILED,
    CONTROL_OPERATIONS,
    CONTROL_TOKEN_INVALID,
    CONTROL_TOKEN_MISSING,
    control_call,
)
from support import Server


def snapshot(owner: Member, conference_id: str) -> tuple[str, str]:
    info = owner.detail(conference_id)
    return info["conferenceState"], info["endTime"]


def assert_untouched(owner: Member, meeting: dict[str, Any], before: tuple[str, str]) -> None:
    """Same state and end time, and its own chair token still controls it."""
    cid = meeting["conferenceID"]
    assert snapshot(owner, cid) == before
    assert before[0] == "Created"
    own_token = owner.control_token(meeting)
    ok(control_call(owner.server, "realTimeInfo", cid, {"X-Conference-Authorization": own_token}))


@pytest.mark.parametrize("operation", CONTROL_OPERATIONS)
@pytest.mark.parametrize("owner_of_b", ["same owner", "other owner"])
def test_control_token_of_meeting_a_is_refused_on_meeting_b(
    server: Server, cast: MakeMember, operation: str, owner_of_b: str
) -> None:
    alice = cast("alice")
    bob = alice if owner_of_b == "same owner" else cast("bob")
    meeting_a, meeting_b = alice.create(), bob.create()
    token_a = alice.control_token(meeting_a)
    before = snapshot(bob, meeting_b["conferenceID"])

    r = control_call(server, operation, meeting_b["conferenceID"], {"X-Conference-Authorization": token_a})

    assert_error(r, 401, CONTROL_TOKEN_INVALID, "Meeting control token is invalid or expired.")
    assert_untouched(bob, meeting_b, before)


@pytest.mark.parametrize("operation", CONTROL_OPERATIONS)
def test_basic_form_of_a_foreign_token_is_refused(server: Server, cast: MakeMember, operation: str) -> None:
    alice, bob = cast("alice"), cast("bob")
    meeting_a, meeting_b = alice.create(), bob.create()
    token_a = alice.control_token(meeting_a)
    before = snapshot(bob, meeting_b["conferenceID"])

    r = control_call(
        server, operation, meeting_b["conferenceID"], {"X-Conference-Authorization": basic(token_a)}
    )

    assert_error(r, 401, CONTROL_TOKEN_INVALID, "Meeting control token is invalid or expired.")
    assert_untouched(bob, meeting_b, before)


def test_guest_token_of_meeting_a_is_refused_on_meeting_b(server: Server, cast: MakeMember) -> None:
    alice, bob = cast("alice"), cast("bob")
    meeting_a, meeting_b = alice.create(), bob.create()
    guest_a = alice.control_token(meeting_a, role="general")
    before = snapshot(bob, meeting_b["conferenceID"])

    r = control_call(
        server, "realTimeInfo", meeting_b["conferenceID"], {"X-Conference-Authorization": guest_a}
    )

    assert_error(r, 401, CONTROL_TOKEN_INVALID, "Meeting control token is invalid or expired.")
    assert_untouched(bob, meeting_b, before)


def test_keep_alive_of_meeting_a_gives_no_token_for_meeting_b(cast: MakeMember) -> None:
    alice, bob = cast("alice"), cast("bob")
    meeting_a, meeting_b = alice.create(), bob.create()
    token_a = alice.control_token(meeting_a)

    r = bob.token_raw(meeting_b["conferenceID"], token=token_a)

    assert_error(r, 401, CONTROL_TOKEN_INVALID, "Meeting control token is invalid or expired.")


# -- the access token is no control token ---------------------------------------------------------


@pytest.mark.parametrize("operation", CONTROL_OPERATIONS)
def test_access_token_alone_is_no_control_token(server: Server, cast: MakeMember, operation: str) -> None:
    owner = cast("alice")
    meeting = owner.create()
    before = snapshot(owner, meeting["conferenceID"])

    r = control_call(server, operation, meeting["conferenceID"], {"X-Access-Token": owner.access_token})

    assert_error(r, 401, CONTROL_TOKEN_MISSING, "Meeting control token is empty.")
    assert_untouched(owner, meeting, before)


@pytest.mark.parametrize("operation", CONTROL_OPERATIONS)
def test_access_token_in_the_control_header_is_refused(
    server: Server, cast: MakeMember, operation: str
) -> None:
    owner = cast("alice")
    meeting = owner.create()
    before = snapshot(owner, meeting["conferenceID"])
    headers = {"X-Conference-Authorization": owner.access_token, "X-Access-Token": owner.access_token}

    r = control_call(server, operation, meeting["conferenceID"], headers)

    assert_error(r, 401, CONTROL_TOKEN_INVALID, "Meeting control token is invalid or expired.")
    assert_untouched(owner, meeting, before)


def test_access_token_gets_no_control_token_without_the_password(cast: MakeMember) -> None:
    owner = cast("alice")
    meeting = owner.create()
    # token_raw goes out without X-Access-Token; send it the SDK's way, on the owner's client.
    r = owner.http.get(
        "/v1/mmc/control/conferences/token",
        params={"conferenceID": meeting["conferenceID"]},
        headers={"X-Login-Type": "1"},
    )
    assert_error(r, 400, CONF_AUTH_FAILED, "The meeting password must not be empty.")
    assert "data" not in r.json()


def test_control_token_is_no_access_token(server: Server, cast: MakeMember) -> None:
    owner = cast("alice")
    meeting = owner.create()
    token = owner.control_token(meeting)
    with server.client(headers={"X-Access-Token": token}) as c:
        assert_error(
            c.get(MEETINGS),
            401,
            ACCESS_TOKEN_INVALID,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
        assert_error(
            c.post(MEETINGS, json={"mediaTypes": "Voice"}),
            401,
            ACCESS_TOKEN_INVALID,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
