"""MMC management: create/validate, scope between accounts and enterprises, list paging, cancel,
update and activation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.helpers import (
    ACTIVATE,
    MEETINGS,
    MakeMember,
    Member,
    assert_envelope,
    assert_error,
    future_start,
    ok,
    parse_wire_time,
    password_of,
    wire_time,
)
from support import unique

NOT_FOUND = "MMC.111070005"
PAST_START = "MMC.111071013"
BAD_LENGTH = "MMC.111071021"
BAD_SUBJECT = "MMC.111071022"
BAD_PARAM = "MMC.111071061"
BAD_PROLONG = "MMC.111071036"
BAD_GUEST_PWD = "MMC.111071080"
GUEST_PWD_IS_CHAIR = "MMC.111071105"
STARTED_NO_CANCEL = "MMC.111071067"
STARTED_NO_UPDATE = "MMC.111071065"


def scheduled_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mediaTypes": "Voice",
        "subject": "scheduled",
        "length": 60,
        "startTime": future_start(180),
    }
    body.update(fields)
    return body


# -- create ----------------------------------------------------------------------------------------


def test_create_instant_meeting(host: Member) -> None:
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    meeting = host.create(subject="instant", length=45)

    assert re.fullmatch(r"\d{9}", meeting["conferenceID"]), meeting["conferenceID"]
    assert meeting["conferenceState"] == "Created"
    assert meeting["confType"] == "IMMEDIATELY"
    assert meeting["subject"] == "instant"
    start = parse_wire_time(meeting["startTime"])
    assert before <= start <= datetime.now(UTC)
    assert parse_wire_time(meeting["endTime"]) - start == timedelta(minutes=45)
    chair, guest = password_of(meeting, "chair"), password_of(meeting, "general")
    assert re.fullmatch(r"\d{6}", chair), chair
    assert re.fullmatch(r"\d{4,16}", guest), guest
    assert chair != guest

    info = host.detail(meeting["conferenceID"])
    assert info["conferenceID"] == meeting["conferenceID"]
    assert info["startTime"] == meeting["startTime"]
    assert info["endTime"] == meeting["endTime"]
    assert info["conferenceState"] == "Created"


def test_create_defaults(host: Member) -> None:
    meeting = host.create_raw({"mediaTypes": "Voice"}).json()[0]
    start, end = parse_wire_time(meeting["startTime"]), parse_wire_time(meeting["endTime"])
    assert end - start == timedelta(minutes=30)
    info = host.detail(meeting["conferenceID"])
    assert info["confConfigInfo"]["prolongLength"] == 15


def test_empty_start_time_is_instant(host: Member) -> None:
    meeting = host.create(startTime="")
    assert meeting["conferenceState"] == "Created"
    assert meeting["confType"] == "IMMEDIATELY"


def test_create_scheduled_meeting(host: Member) -> None:
    start = future_start(180)
    meeting = host.create(startTime=start, length=60)
    assert meeting["conferenceState"] == "Schedule"
    assert meeting["confType"] == "FUTURE"
    assert meeting["startTime"] == start
    assert parse_wire_time(meeting["endTime"]) == parse_wire_time(start) + timedelta(minutes=60)
    assert host.detail(meeting["conferenceID"])["conferenceState"] == "Schedule"


def test_conference_ids_are_unique(host: Member) -> None:
    ids = {host.create()["conferenceID"] for _ in range(10)}
    assert len(ids) == 10


@pytest.mark.parametrize("length", [15, 1440])
def test_length_bounds_are_accepted(host: Member, length: int) -> None:
    meeting = host.create(length=length)
    start, end = parse_wire_time(meeting["startTime"]), parse_wire_time(meeting["endTime"])
    assert end - start == timedelta(minutes=length)


@pytest.mark.parametrize("length", [14, 1441, 0, -30])
def test_length_out_of_range_is_refused(host: Member, length: int) -> None:
    r = host.create_raw({"mediaTypes": "Voice", "length": length})
    assert_error(r, 400, BAD_LENGTH, "Meeting length must be between 15 and 1440 minutes.")


def test_subject_of_128_characters_is_accepted(host: Member) -> None:
    meeting = host.create(subject="s" * 128)
    assert meeting["subject"] == "s" * 128


@pytest.mark.parametrize("subject", ["s" * 129, "会" * 129])
def test_subject_too_long_is_refused(host: Member, subject: str) -> None:
    r = host.create_raw({"mediaTypes": "Voice", "subject": subject})
    assert_error(r, 400, BAD_SUBJECT, "Subject is longer than 128 characters.")


@pytest.mark.parametrize("ago", [timedelta(days=1), timedelta(minutes=2)])
def test_start_time_in_the_past_is_refused(host: Member, ago: timedelta) -> None:
    start = wire_time(datetime.now(UTC) - ago)
    r = host.create_raw({"mediaTypes": "Voice", "startTime": start})
    assert_error(r, 400, PAST_START, "Start time is earlier than the current time.")


def test_missing_media_types_is_refused(host: Member) -> None:
    r = host.create_raw({"subject": "no media", "length": 30})
    assert_error(r, 400, BAD_PARAM, "mediaTypes is required.")


@pytest.mark.parametrize("prolong", [61, -1])
def test_prolong_length_out_of_range_is_refused(host: Member, prolong: int) -> None:
    r = host.create_raw({"mediaTypes": "Voice", "confConfigInfo": {"prolongLength": prolong}})
    assert_error(r, 400, BAD_PROLONG, "prolongLength must be between 0 and 60 minutes.")


@pytest.mark.parametrize("prolong", [0, 60])
def test_prolong_length_bounds_are_accepted(host: Member, prolong: int) -> None:
    meeting = host.create(confConfigInfo={"prolongLength": prolong})
    assert host.detail(meeting["conferenceID"])["confConfigInfo"]["prolongLength"] == prolong


@pytest.mark.parametrize("guest_pwd", ["12", "123", "12345678901234567", "abcd", "12a4"])
def test_bad_guest_password_is_refused(host: Member, guest_pwd: str) -> None:
    r = host.create_raw({"mediaTypes": "Voice", "confConfigInfo": {"guestPwd": guest_pwd}})
    assert_error(r, 400, BAD_GUEST_PWD, "Guest password must be 4 to 16 digits.")


@pytest.mark.parametrize("guest_pwd", ["1234", "1234567890123456"])
def test_guest_password_bounds_are_accepted(host: Member, guest_pwd: str) -> None:
    meeting = host.create(confConfigInfo={"guestPwd": guest_pwd})
    assert password_of(meeting, "general") == guest_pwd


def test_create_needs_a_json_object(host: Member) -> None:
    r = host.http.post(MEETINGS, content=b'{"mediaTypes": ', headers={"Content-Type": "application/json"})
    assert_error(r, 400, "MMC.111071062", "Malformed JSON: Input data was truncated")
    r = host.http.post(MEETINGS, json=[{"mediaTypes": "Voice"}])
    assert_error(r, 400, BAD_PARAM, "Parameter validation failed: Expected `object`, got `array`")


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        pytest.param(body, msg, id=repr(body))
        for body, msg in [
            ({"mediaTypes": 1}, "Expected `str | null`, got `int` - at `$.mediaTypes`"),
            ({"mediaTypes": "Voice", "length": "30"}, "Expected `int | null`, got `str` - at `$.length`"),
            ({"mediaTypes": "Voice", "length": 30.5}, "Expected `int | null`, got `float` - at `$.length`"),
        ]
    ],
)
def test_mistyped_fields_are_refused(host: Member, body: dict[str, Any], msg: str) -> None:
    assert_error(host.create_raw(body), 400, BAD_PARAM, "Parameter validation failed: " + msg)


# -- scope -----------------------------------------------------------------------------------------


def test_member_cannot_touch_another_members_meeting(make_member: MakeMember) -> None:
    corp = unique("corp")
    alice, bob = make_member(corp=corp), make_member(corp=corp)
    meeting = alice.create(**scheduled_body(subject="alice's"))
    cid = meeting["conferenceID"]

    assert_error(bob.detail_raw(cid), 400, NOT_FOUND, "Meeting does not exist.")
    r = bob.http.put(MEETINGS, params={"conferenceID": cid}, json=scheduled_body(subject="bob's"))
    assert_error(r, 400, NOT_FOUND, "Meeting does not exist.")
    assert_error(
        bob.http.delete(MEETINGS, params={"conferenceID": cid}), 400, NOT_FOUND, "Meeting does not exist."
    )
    assert cid not in bob.list_ids()
    assert cid not in bob.list_ids(queryAll="true")

    # Nothing happened to it.
    info = alice.detail(cid)
    assert info["subject"] == "alice's"
    assert info["conferenceState"] == "Schedule"
    assert cid in alice.list_ids()


def test_member_answer_equals_unknown_meeting(make_member: MakeMember) -> None:
    corp = unique("corp")
    alice, bob = make_member(corp=corp), make_member(corp=corp)
    cid = alice.create()["conferenceID"]
    foreign = bob.detail_raw(cid)
    unknown = bob.detail_raw("000000000")
    assert_error(foreign, 400, NOT_FOUND, "Meeting does not exist.")
    assert_error(unknown, 400, NOT_FOUND, "Meeting does not exist.")
    assert foreign.json() == unknown.json()


def test_admin_sees_the_enterprises_meetings(make_member: MakeMember) -> None:
    corp = unique("corp")
    alice = make_member(corp=corp)
    admin = make_member(corp=corp, admin=True)
    meeting = alice.create(subject="alice's")
    cid = meeting["conferenceID"]

    info = admin.detail(cid)
    assert info["subject"] == "alice's"
    assert {e["conferenceRole"] for e in info["passwordEntry"]} == {"chair", "general"}
    assert cid in admin.list_ids(queryAll="true")
    assert cid not in admin.list_ids(queryAll="false")


def test_admin_may_cancel_a_members_meeting(make_member: MakeMember) -> None:
    corp = unique("corp")
    alice = make_member(corp=corp)
    admin = make_member(corp=corp, admin=True)
    cid = alice.create(**scheduled_body())["conferenceID"]

    r = admin.http.delete(MEETINGS, params={"conferenceID": cid})

    assert r.status_code == 200, r.text
    assert_error(alice.detail_raw(cid), 400, NOT_FOUND, "Meeting does not exist.")


def test_admin_of_another_enterprise_sees_nothing(make_member: MakeMember) -> None:
    alice = make_member(corp=unique("corp"))
    stranger = make_member(corp=unique("corp"), admin=True)
    cid = alice.create(**scheduled_body())["conferenceID"]

    assert_error(stranger.detail_raw(cid), 400, NOT_FOUND, "Meeting does not exist.")
    assert cid not in stranger.list_ids(queryAll="true")
    r = stranger.http.put(MEETINGS, params={"conferenceID": cid}, json=scheduled_body())
    assert_error(r, 400, NOT_FOUND, "Meeting does not exist.")
    assert_error(
        stranger.http.delete(MEETINGS, params={"conferenceID": cid}),
        400,
        NOT_FOUND,
        "Meeting does not exist.",
    )
    assert alice.detail(cid)["conferenceState"] == "Schedule"


# -- list ------------------------------------------------------------------------------------------


def test_list_paging(make_member: MakeMember) -> None:
    member = make_member(corp=unique("corp"))
    created = {member.create(subject=f"m{i}")["conferenceID"] for i in range(5)}

    r = member.list_raw()
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["offset"] == 0
    assert body["limit"] == 20
    assert body["count"] == 5
    assert {m["conferenceID"] for m in body["data"]} == created

    seen: list[str] = []
    for offset in (0, 2, 4):
        page = member.list_raw(offset=offset, limit=2).json()
        assert page["offset"] == offset
        assert page["limit"] == 2
        assert page["count"] == 5
        assert len(page["data"]) == (1 if offset == 4 else 2)
        seen += [m["conferenceID"] for m in page["data"]]
    assert sorted(seen) == sorted(created)

    assert member.list_raw(offset=5, limit=2).json()["data"] == []


def test_list_limit_is_clamped_and_offset_coerced(make_member: MakeMember) -> None:
    member = make_member(corp=unique("corp"))
    member.create()
    body = member.list_raw(limit=100000).json()
    assert body["limit"] <= 500
    assert body["count"] == 1
    r = member.list_raw(offset=-3)
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]) == 1


# -- cancel, update, activate ----------------------------------------------------------------------


def test_cancel_scheduled_meeting_removes_it(host: Member) -> None:
    cid = host.create(**scheduled_body())["conferenceID"]
    assert cid in host.list_ids()

    r = host.http.delete(MEETINGS, params={"conferenceID": cid})

    assert r.status_code == 200, r.text
    assert cid not in host.list_ids()
    assert_error(host.detail_raw(cid), 400, NOT_FOUND, "Meeting does not exist.")
    assert_error(
        host.http.delete(MEETINGS, params={"conferenceID": cid}), 400, NOT_FOUND, "Meeting does not exist."
    )


def test_cancel_unknown_meeting(host: Member) -> None:
    assert_error(
        host.http.delete(MEETINGS, params={"conferenceID": "000000000"}),
        400,
        NOT_FOUND,
        "Meeting does not exist.",
    )


def test_cancel_running_meeting_needs_type_1(host: Member) -> None:
    cid = host.create()["conferenceID"]
    assert_error(
        host.http.delete(MEETINGS, params={"conferenceID": cid}),
        400,
        STARTED_NO_CANCEL,
        "The meeting is in progress; cancel it with type=1 to end it.",
    )
    assert host.detail(cid)["conferenceState"] == "Created"

    r = host.http.delete(MEETINGS, params={"conferenceID": cid, "type": 1})

    assert r.status_code == 200, r.text
    assert cid not in host.list_ids()


def test_update_scheduled_meeting(host: Member) -> None:
    cid = host.create(**scheduled_body(subject="before"))["conferenceID"]
    start = future_start(240)

    r = host.http.put(
        MEETINGS,
        params={"conferenceID": cid},
        json=scheduled_body(subject="after", startTime=start, length=90),
    )

    assert r.status_code == 200, r.text
    updated = r.json()
    assert isinstance(updated, list) and updated[0]["conferenceID"] == cid
    info = host.detail(cid)
    assert info["subject"] == "after"
    assert info["startTime"] == start
    assert parse_wire_time(info["endTime"]) == parse_wire_time(start) + timedelta(minutes=90)


def test_update_validates_like_create(host: Member) -> None:
    cid = host.create(**scheduled_body(subject="before"))["conferenceID"]
    r = host.http.put(MEETINGS, params={"conferenceID": cid}, json=scheduled_body(length=1441))
    assert_error(r, 400, BAD_LENGTH, "Meeting length must be between 15 and 1440 minutes.")
    assert host.detail(cid)["subject"] == "before"


def test_update_running_meeting_is_refused(host: Member) -> None:
    cid = host.create(subject="running")["conferenceID"]
    r = host.http.put(MEETINGS, params={"conferenceID": cid}, json=scheduled_body())
    assert_error(r, 400, STARTED_NO_UPDATE, "The meeting has started and can no longer be edited.")
    assert host.detail(cid)["subject"] == "running"


def test_activate_starts_a_scheduled_meeting(host: Member) -> None:
    meeting = host.create(**scheduled_body())
    cid = meeting["conferenceID"]

    r = host.http.post(ACTIVATE, json={"conferenceID": cid, "password": password_of(meeting, "chair")})

    assert r.status_code == 200, r.text
    assert host.detail(cid)["conferenceState"] == "Created"
    token = host.control_token(meeting)
    ok(host.extend(cid, token, {"auto": 0, "duration": 5}))


def test_activate_with_guest_password_needs_permission(host: Member) -> None:
    meeting = host.create(**scheduled_body())
    cid = meeting["conferenceID"]
    r = host.http.post(ACTIVATE, json={"conferenceID": cid, "password": password_of(meeting, "general")})
    assert_envelope(r, r.status_code)
    assert 400 <= r.status_code < 500
    assert host.detail(cid)["conferenceState"] == "Schedule"

    allowed = host.create(**scheduled_body(confConfigInfo={"allowGuestStartConf": True}))
    r = host.http.post(
        ACTIVATE,
        json={"conferenceID": allowed["conferenceID"], "password": password_of(allowed, "general")},
    )
    assert r.status_code == 200, r.text
    assert host.detail(allowed["conferenceID"])["conferenceState"] == "Created"


def test_activate_with_wrong_password_changes_nothing(host: Member) -> None:
    meeting = host.create(**scheduled_body())
    cid = meeting["conferenceID"]
    wrong = "000000" if password_of(meeting, "chair") != "000000" else "111111"
    r = host.http.post(ACTIVATE, json={"conferenceID": cid, "password": wrong})
    assert_envelope(r, r.status_code)
    assert 400 <= r.status_code < 500
    assert host.detail(cid)["conferenceState"] == "Schedule"


def test_activate_unknown_meeting(host: Member) -> None:
    r = host.http.post(ACTIVATE, json={"conferenceID": "000000000", "password": "123456"})
    assert_error(r, 400, "MMC.111072065", "CONF_NOT_FOUND_OR_AUTH_FAILED")


def test_guest_password_equal_to_the_chairs_is_refused(host: Member) -> None:
    meeting = host.create(**scheduled_body(subject="before"))
    chair = password_of(meeting, "chair")
    r = host.http.put(
        MEETINGS,
        params={"conferenceID": meeting["conferenceID"]},
        json=scheduled_body(subject="after", confConfigInfo={"guestPwd": chair}),
    )
    assert_error(r, 400, GUEST_PWD_IS_CHAIR, "Guest password must differ from the host password.")
    info = host.detail(meeting["conferenceID"])
    assert info["subject"] == "before"
    assert password_of(info, "general") == password_of(meeting, "general")


def test_cancel_with_type_1_ends_the_run_for_its_tokens(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    ok(host.http.delete(MEETINGS, params={"conferenceID": cid, "type": 1}))
    assert_error(
        host.extend(cid, token, {"auto": 0, "duration": 5}), 400, "MMC.111072006", "The meeting has ended."
    )
    assert_error(host.stop(cid, token), 400, "MMC.111072006", "The meeting has ended.")
