"""GET /v1/mmc/control/conferences/token: passwords, roles, keep-alive, expiry, guessing."""

from __future__ import annotations

import time
from datetime import timedelta

from api.helpers import (
    REAL_TIME_INFO,
    Member,
    assert_envelope,
    assert_error,
    basic,
    future_start,
    now_ms,
    ok,
    password_of,
)
from support import Server, expire_tokens

NOT_FOUND_OR_AUTH_FAILED = "MMC.111072065"
NOT_STARTED = "MMC.111072005"
LOCKED = "MMC.111072064"
ENDED = "MMC.111072006"
BAD_TOKEN = "MMC.111070004"
HALF_AN_HOUR_MS = 30 * 60 * 1000


def wrong_password(right: str) -> str:
    wrong = "000000" if right != "000000" else "111111"
    return wrong


def test_chair_password_gives_role_1(host: Member) -> None:
    meeting = host.create()
    before = now_ms()

    r = host.token_raw(meeting["conferenceID"], password_of(meeting, "chair"))

    assert r.status_code == 200, r.text
    assert r.headers.get("x-request-id")
    data = r.json()["data"]
    assert isinstance(data["token"], str) and len(data["token"]) >= 16
    assert data["role"] == 1
    # Valid for half an hour, in epoch milliseconds.
    assert before + HALF_AN_HOUR_MS - 5000 <= data["expireTime"] <= now_ms() + HALF_AN_HOUR_MS + 5000


def test_guest_password_gives_role_0(host: Member) -> None:
    meeting = host.create()

    r = host.token_raw(meeting["conferenceID"], password_of(meeting, "general"))

    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["role"] == 0
    assert data["token"] != host.control_token(meeting)


def test_chosen_guest_password_gives_role_0(host: Member) -> None:
    meeting = host.create(confConfigInfo={"guestPwd": "4711"})
    assert password_of(meeting, "general") == "4711"

    r = host.token_raw(meeting["conferenceID"], "4711")

    assert r.status_code == 200, r.text
    assert r.json()["data"]["role"] == 0


def test_tokens_are_distinct(host: Member) -> None:
    meeting = host.create()
    tokens = {host.control_token(meeting) for _ in range(3)}
    assert len(tokens) == 3


def test_access_token_header_is_tolerated(host: Member) -> None:
    meeting = host.create()
    r = host.token_raw(meeting["conferenceID"], password_of(meeting, "chair"))
    ok(r)
    r = host.http.get(
        "/v1/mmc/control/conferences/token",
        params={"conferenceID": meeting["conferenceID"]},
        headers={"X-Password": password_of(meeting, "chair"), "X-Login-Type": "1"},
    )
    assert r.status_code == 200, r.text  # host.http sends X-Access-Token as the SDK does
    assert r.json()["data"]["role"] == 1


def test_wrong_password_is_refused(host: Member) -> None:
    meeting = host.create()
    r = host.token_raw(meeting["conferenceID"], wrong_password(password_of(meeting, "chair")))
    assert_error(r, 400, NOT_FOUND_OR_AUTH_FAILED, "CONF_NOT_FOUND_OR_AUTH_FAILED")


def test_missing_password_is_refused(host: Member) -> None:
    meeting = host.create()
    r = host.token_raw(meeting["conferenceID"])
    assert_envelope(r, r.status_code)
    assert 400 <= r.status_code < 500


def test_unknown_meeting_is_refused(host: Member) -> None:
    for cid in ("000000000", "999999999x", "nope"):
        r = host.token_raw(cid, "123456")
        assert_error(r, 400, NOT_FOUND_OR_AUTH_FAILED, "CONF_NOT_FOUND_OR_AUTH_FAILED")


def test_password_of_another_meeting_is_refused(host: Member) -> None:
    mine = host.create()
    other = host.create()
    r = host.token_raw(mine["conferenceID"], password_of(other, "chair"))
    if password_of(other, "chair") not in (password_of(mine, "chair"), password_of(mine, "general")):
        assert_error(r, 400, NOT_FOUND_OR_AUTH_FAILED, "CONF_NOT_FOUND_OR_AUTH_FAILED")


def test_scheduled_meeting_not_started_is_refused(host: Member) -> None:
    meeting = host.create(startTime=future_start(120))
    assert meeting["conferenceState"] == "Schedule"
    for role in ("chair", "general"):
        r = host.token_raw(meeting["conferenceID"], password_of(meeting, role))
        assert_error(r, 400, NOT_STARTED, "The meeting has not started or has already ended.")


def test_ended_meeting_gives_no_token(host: Member) -> None:
    meeting = host.create()
    token = host.control_token(meeting)
    ok(host.stop(meeting["conferenceID"], token))

    r = host.token_raw(meeting["conferenceID"], password_of(meeting, "chair"))
    assert_error(r, 400, NOT_STARTED, "The meeting has not started or has already ended.")

    # The old token changes nothing any more and is not renewed.
    assert_error(host.stop(meeting["conferenceID"], token), 400, ENDED, "The meeting has ended.")
    r = host.token_raw(meeting["conferenceID"], token=token)
    assert 400 <= r.status_code < 500, r.text


def test_keep_alive_renews_without_password(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    first = host.token_raw(cid, password_of(meeting, "chair")).json()["data"]
    time.sleep(1.1)
    asked = now_ms()

    current = first
    for encode in (str, basic):
        r = host.token_raw(cid, token=encode(current["token"]))
        assert r.status_code == 200, r.text
        renewed = r.json()["data"]
        assert renewed["role"] == 1
        assert renewed["expireTime"] >= current["expireTime"]
        assert renewed["expireTime"] >= asked + HALF_AN_HOUR_MS - 2000
        # Whatever token came back controls the meeting.
        r = host.extend(cid, renewed["token"], {"auto": 0, "duration": 1})
        assert r.status_code == 200, r.text
        current = renewed


def test_keep_alive_keeps_the_guest_role(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    guest = host.control_token(meeting, "general")

    r = host.token_raw(cid, token=guest)

    assert r.status_code == 200, r.text
    assert r.json()["data"]["role"] == 0


def test_keep_alive_with_an_unknown_token_is_refused(host: Member) -> None:
    meeting = host.create()
    r = host.token_raw(meeting["conferenceID"], token="stb" + "0" * 48)
    assert_envelope(r, r.status_code)
    assert 400 <= r.status_code < 500


def test_keep_alive_for_another_meeting_is_refused(host: Member) -> None:
    mine = host.create()
    other = host.create()
    r = host.token_raw(mine["conferenceID"], token=host.control_token(other))
    assert_envelope(r, r.status_code)
    assert 400 <= r.status_code < 500


def test_expired_token_with_password_gets_a_new_token(own_member: Member, own_server: Server) -> None:
    meeting = own_member.create()
    cid = meeting["conferenceID"]
    old = own_member.control_token(meeting)
    end = own_member.end_time(cid)
    expire_tokens(own_server, "control_tokens")
    assert_error(
        own_member.extend(cid, old, {"auto": 0, "duration": 5}),
        401,
        BAD_TOKEN,
        "Meeting control token is invalid or expired.",
    )

    # Without the password an expired token is not renewed.
    r = own_member.token_raw(cid, token=old)
    assert 400 <= r.status_code < 500, r.text

    r = own_member.token_raw(cid, password_of(meeting, "chair"), token=old)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["token"] != old
    assert data["role"] == 1
    assert data["expireTime"] > now_ms() + HALF_AN_HOUR_MS - 60_000

    ok(own_member.extend(cid, data["token"], {"auto": 0, "duration": 5}))
    assert own_member.end_time(cid) == end + timedelta(minutes=5)


def test_wrong_passwords_lock_the_meeting_for_the_client(
    own_member: Member,
) -> None:
    meeting = own_member.create()
    other = own_member.create()
    cid = meeting["conferenceID"]
    chair = password_of(meeting, "chair")

    for _ in range(5):
        r = own_member.token_raw(cid, wrong_password(chair))
        assert_error(r, 400, NOT_FOUND_OR_AUTH_FAILED, "CONF_NOT_FOUND_OR_AUTH_FAILED")

    for password in (chair, wrong_password(chair), password_of(meeting, "general")):
        r = own_member.token_raw(cid, password)
        assert_error(r, 429, LOCKED, "Too many wrong meeting passwords; control login is locked for a while.")
        retry_after = int(r.headers["retry-after"])
        assert 0 < retry_after <= 600

    # Another meeting is not affected.
    r = own_member.token_raw(other["conferenceID"], password_of(other, "chair"))
    assert r.status_code == 200, r.text


def test_four_wrong_passwords_do_not_lock(own_member: Member) -> None:
    meeting = own_member.create()
    cid = meeting["conferenceID"]
    chair = password_of(meeting, "chair")
    for _ in range(4):
        assert_error(
            own_member.token_raw(cid, wrong_password(chair)),
            400,
            NOT_FOUND_OR_AUTH_FAILED,
            "CONF_NOT_FOUND_OR_AUTH_FAILED",
        )
    r = own_member.token_raw(cid, chair)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["role"] == 1


def test_real_time_info_with_the_chair_token(host: Member) -> None:
    meeting = host.create()
    token = host.control_token(meeting)
    with host.server.client() as c:
        r = c.get(
            REAL_TIME_INFO,
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Conference-Authorization": token},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"attendees", "participants", "confInfo"} <= set(body)
