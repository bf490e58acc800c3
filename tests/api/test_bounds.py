"""Issue 9, findings 3, 4 and 6: every value the API accepts has a declared bound, checked at the
wire edge, so SQLite and PostgreSQL refuse the same hostile inputs in the envelope (never a 500)
and nothing oversized is stored. Runs once per backend."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from api.helpers import (
    CONTROL_TOKEN,
    HISTORY,
    LOGIN,
    MEETINGS,
    VALIDATE,
    Member,
    assert_error,
    now_ms,
)
from support import Server

ONLINE = "/v1/mmc/management/conferences/online"
APP_AUTH = "/v2/usg/acs/auth/appauth"
INVALID = "MMC.111071061"
MALFORMED = "MMC.111071062"


def _assert_refused(r: httpx.Response, code: str, *words: str) -> None:
    """A 400 whose `error_msg` names what was wrong: it holds every one of `words`."""
    assert words, "name at least one word the message must hold"
    for word in words:
        assert_error(r, 400, code, msg_contains=word)


def _count_meetings(member: Member) -> int:
    r = member.list_raw(limit=500)
    assert r.status_code == 200, r.text
    count: int = r.json()["count"]
    return count


# -- finding 3: PostgreSQL gave 500 (NUL bytes, over-long values, int32 overflow) -----------------


@pytest.mark.parametrize(
    "field",
    [
        {"subject": "nul \u0000 inside"},
        {"mediaTypes": "V" * 65},
        {"mediaTypes": "Voice\u0000"},
        {"attendees": [{"name": "a\u0000b"}]},
    ],
    ids=["nul-subject", "long-media-types", "nul-media-types", "nul-attendee"],
)
def test_create_refuses_nul_and_overlong_strings(host: Member, field: dict[str, Any]) -> None:
    before = _count_meetings(host)
    r = host.create_raw({"mediaTypes": "Voice", "length": 30, **field})
    _assert_refused(r, INVALID, "Parameter validation failed")
    assert _count_meetings(host) == before, "a refused create stores nothing"


def test_search_key_with_nul_is_refused(host: Member) -> None:
    for path in (MEETINGS, ONLINE):
        r = host.http.get(path, params={"searchKey": "a\x00b"})
        _assert_refused(r, INVALID, "NUL")
    r = host.http.get(MEETINGS, params={"searchKey": "k" * 129})
    _assert_refused(r, INVALID, "searchKey")


@pytest.mark.parametrize(
    ("conference_id", "reason"),
    [
        pytest.param("9" * 300, "at `$.conferenceID`", id="300-digits"),
        pytest.param("1\x00", "NUL in a query parameter", id="nul"),
    ],
)
def test_control_token_conference_id_is_bounded(server: Server, conference_id: str, reason: str) -> None:
    with server.client() as c:
        r = c.get(CONTROL_TOKEN, params={"conferenceID": conference_id}, headers={"X-Password": "1234"})
    _assert_refused(r, INVALID, reason)


@pytest.mark.parametrize("client_type", [2**31, 2**63, -1])
def test_login_client_type_is_bounded(server: Server, client_type: int) -> None:
    account = server.add_user()
    with server.client() as c:
        r = c.post(
            LOGIN,
            headers={"Authorization": _basic(f"{account.account}:{account.password}")},
            json={"account": account.account, "clientType": client_type},
        )
    _assert_refused(r, "USG.000000003", "clientType")


def test_app_auth_user_id_and_expire_time_are_bounded(server: Server) -> None:
    base = {"appId": "some-app", "nonce": "n" * 40, "expireTime": 0}
    for body, word in (
        ({**base, "userId": "u" * 300}, "userId"),
        ({**base, "expireTime": 2**62}, "expireTime"),
        ({**base, "userId": "u\u0000"}, "NUL"),
    ):
        with server.client() as c:
            r = c.post(APP_AUTH, json=body, headers={"Authorization": "HMAC-SHA256 signature=" + "0" * 64})
        _assert_refused(r, "USG.000000003", word)


# -- finding 4: both backends gave 500 -----------------------------------------------------------


def test_deeply_nested_json_is_refused(server: Server) -> None:
    deep = b'{"x": ' + b"[" * 1000 + b"1" + b"]" * 1000 + b"}"
    with server.client() as c:
        r = c.post(LOGIN, content=deep, headers={"Content-Type": "application/json"})
    _assert_refused(r, "USG.000000003", "nested deeper")


def test_brackets_inside_strings_are_not_nesting(host: Member) -> None:
    r = host.create_raw({"mediaTypes": "Voice", "subject": "[" * 100 + "{" * 20})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", [VALIDATE, LOGIN])
def test_invalid_utf8_is_refused(server: Server, path: str) -> None:
    field = b"token" if path == VALIDATE else b"account"
    with server.client() as c:
        r = c.post(path, content=b'{"' + field + b'":"\xff"}', headers={"Content-Type": "application/json"})
    _assert_refused(r, "USG.000000003", "UTF-8")


@pytest.mark.parametrize("start", ["9999-12-31 23:59", "2100-01-01 00:00"])
def test_start_time_outside_the_supported_window(host: Member, start: str) -> None:
    r = host.create_raw({"mediaTypes": "Voice", "startTime": start})
    _assert_refused(r, INVALID, "startTime must be between 2000-01-01 00:00 and 2100-01-01 00:00")


@pytest.mark.parametrize("path", [MEETINGS, ONLINE])
def test_huge_offsets_are_refused(host: Member, path: str) -> None:
    r = host.http.get(path, params={"offset": 9223372036854775808})
    _assert_refused(r, INVALID, "offset")


@pytest.mark.parametrize(
    "dates",
    [
        {"startDate": 253402300800000 * 40, "endDate": 1},  # year 10000 and beyond
        {"startDate": -(10**30), "endDate": 1},
        {"startDate": 1, "endDate": 9223372036854775808},
    ],
    ids=["year-10000", "huge-negative", "int64-overflow"],
)
def test_history_dates_outside_the_window(host: Member, dates: dict[str, int]) -> None:
    r = host.http.get(HISTORY, params=dates)
    _assert_refused(r, INVALID, "Date")
    r = host.http.get(HISTORY, params={"startDate": now_ms() - 1000, "endDate": now_ms(), "offset": 2**63})
    _assert_refused(r, INVALID, "offset")


# -- finding 6: stored fields had no length limits ---------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        {"liveAddress": "x" * 256},
        {"vmrID": "x" * 65},
        {"language": "x" * 65},
        {"attendees": [{"name": "x" * 97}]},
        {"attendees": [{"name": "a"}] * 501},
        {"mediaTypes": "x" * 100_000},
    ],
    ids=["liveAddress", "vmrID", "language", "attendee-name", "attendee-count", "mediaTypes"],
)
def test_stored_fields_are_bounded(host: Member, field: dict[str, Any]) -> None:
    before = _count_meetings(host)
    r = host.create_raw({"mediaTypes": "Voice", **field})
    _assert_refused(r, INVALID, "Parameter validation failed")
    assert _count_meetings(host) == before


def test_values_at_the_bounds_are_accepted(host: Member) -> None:
    meeting = host.create(
        liveAddress="x" * 255,
        vmrID="v" * 64,
        attendees=[{"name": "n" * 96, "phone": "+1"}] * 3,
        subject="s" * 128,
        groupuri="g" * 31,
    )
    detail = host.detail(meeting["conferenceID"])
    assert detail["liveAddress"] == "x" * 255
    assert detail["subject"] == "s" * 128


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()
