"""PUT /v1/mmc/control/conferences/duration: every refusal of BEHAVIOUR §4/§5 with its status and
code (and proof that it changed nothing), the successes, the seed's cURL example, concurrency and
durability across SIGKILL."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.helpers import (
    DURATION,
    Member,
    assert_error,
    basic,
    extend,
    new_member,
    ok,
    parse_wire_time,
)
from support import Server, expire_tokens

MISSING_TOKEN = "MMC.111070111"
BAD_TOKEN = "MMC.111070004"
GUEST_FORBIDDEN = "MMC.111072070"
ENDED = "MMC.111072006"
BAD_PARAM = "MMC.111071061"
BAD_JSON = "MMC.111071062"
BAD_AUTO = "MMC.111071036"
OUT_OF_RANGE = "MMC.111071015"
EMPTY_BODY = "MMC.111072057"


def snapshot(member: Member, conference_id: str) -> tuple[str, Any]:
    """What an extension may change: the end time and the auto-extension step."""
    info = member.detail(conference_id)
    return info["endTime"], info.get("confConfigInfo", {}).get("prolongLength")


@pytest.fixture(scope="module")
def running(host: Member) -> tuple[dict[str, Any], str]:
    """One running meeting and its chair token, shared by the refusals (they change nothing)."""
    meeting = host.create(subject="refusals")
    return meeting, host.control_token(meeting)


# -- authentication ------------------------------------------------------------------------------


def test_missing_token_is_refused(host: Member, running: tuple[dict[str, Any], str]) -> None:
    meeting, _ = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, None, {"auto": 0, "duration": 40})
    assert_error(r, 401, MISSING_TOKEN, "Meeting control token is empty.")
    assert snapshot(host, cid) == before


def test_empty_token_header_is_missing(host: Member, running: tuple[dict[str, Any], str]) -> None:
    meeting, _ = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, "", {"auto": 0, "duration": 40})
    assert_error(r, 401, MISSING_TOKEN, "Meeting control token is empty.")
    assert snapshot(host, cid) == before


def test_access_token_is_no_control_token(host: Member, running: tuple[dict[str, Any], str]) -> None:
    meeting, _ = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, None, {"auto": 0, "duration": 40}, headers={"X-Access-Token": host.access_token})
    assert_error(r, 401, MISSING_TOKEN, "Meeting control token is empty.")
    assert snapshot(host, cid) == before


def test_access_token_in_the_control_header_is_refused(
    host: Member, running: tuple[dict[str, Any], str]
) -> None:
    meeting, _ = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, host.access_token, {"auto": 0, "duration": 40})
    assert_error(r, 401, BAD_TOKEN, "Meeting control token is invalid or expired.")
    assert snapshot(host, cid) == before


@pytest.mark.parametrize(
    "garbled",
    [
        "garbage",
        "stb" + "0" * 48,
        "Basic !!!not-base64!!!",
        basic("no-such-token"),
    ],
)
def test_garbled_token_is_refused(host: Member, running: tuple[dict[str, Any], str], garbled: str) -> None:
    meeting, _ = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, garbled, {"auto": 0, "duration": 40})
    assert_error(r, 401, BAD_TOKEN, "Meeting control token is invalid or expired.")
    assert snapshot(host, cid) == before


def test_token_of_another_meeting_is_refused(host: Member) -> None:
    mine = host.create(subject="target")
    other = host.create(subject="other")
    other_token = host.control_token(other)
    before_mine = snapshot(host, mine["conferenceID"])
    before_other = snapshot(host, other["conferenceID"])

    r = host.extend(mine["conferenceID"], other_token, {"auto": 0, "duration": 40})

    assert_error(r, 401, BAD_TOKEN, "Meeting control token is invalid or expired.")
    assert snapshot(host, mine["conferenceID"]) == before_mine
    assert snapshot(host, other["conferenceID"]) == before_other


def test_expired_token_is_refused(own_member: Member, own_server: Server) -> None:
    meeting = own_member.create()
    cid = meeting["conferenceID"]
    token = own_member.control_token(meeting)
    before = snapshot(own_member, cid)
    expire_tokens(own_server, "control_tokens")

    for form in (token, basic(token)):
        r = own_member.extend(cid, form, {"auto": 0, "duration": 40})
        assert_error(r, 401, BAD_TOKEN, "Meeting control token is invalid or expired.")
    assert snapshot(own_member, cid) == before


def test_attendee_token_is_forbidden(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    guest_token = host.control_token(meeting, "general")
    before = snapshot(host, cid)

    for body in ({"auto": 0, "duration": 40}, {"auto": 1, "duration": 30}):
        r = host.extend(cid, guest_token, body)
        assert_error(r, 403, GUEST_FORBIDDEN, "This operation is not allowed for an attendee.")
    assert snapshot(host, cid) == before


def test_ended_meeting_is_refused(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    r = host.stop(cid, token)
    assert r.status_code == 200, r.text
    detail_before = host.detail_raw(cid)

    for body in ({"auto": 0, "duration": 40}, {"auto": 1, "duration": 30}):
        r = host.extend(cid, token, body)
        assert_error(r, 400, ENDED, "The meeting has ended.")

    detail_after = host.detail_raw(cid)
    assert detail_after.status_code == detail_before.status_code
    assert detail_after.json() == detail_before.json()


def test_ended_meeting_refusal_leaves_its_history_alone(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    ok(host.stop(cid, token))
    before = host.history(cid)
    assert len(before) == 1, before

    assert_error(host.extend(cid, token, {"auto": 0, "duration": 40}), 400, ENDED, "The meeting has ended.")

    after = host.history(cid)
    assert [m["endTime"] for m in after] == [m["endTime"] for m in before]


# -- bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "reason"),
    [
        pytest.param(body, code, reason, id=f"{body!r}-{code!r}")
        for body, code, reason in [
            ({"duration": 40}, BAD_PARAM, "Object missing required field `auto`"),
            ({}, BAD_PARAM, "Object missing required field `auto`"),
            ({"auto": None, "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": "1", "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": "0", "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": True, "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": False, "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": 1.0, "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": 0.0, "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": [0], "duration": 40}, BAD_PARAM, "at `$.auto`"),
            ({"auto": 2, "duration": 40}, BAD_AUTO, "auto must be 0 or 1."),
            ({"auto": -1, "duration": 40}, BAD_AUTO, "auto must be 0 or 1."),
            ({"auto": 0, "duration": 0}, OUT_OF_RANGE, "duration must be between 1 and 1440 minutes."),
            ({"auto": 0, "duration": -5}, OUT_OF_RANGE, "duration must be between 1 and 1440 minutes."),
            ({"auto": 0, "duration": 1441}, OUT_OF_RANGE, "duration must be between 1 and 1440 minutes."),
            ({"auto": 0, "duration": "40"}, BAD_PARAM, "at `$.duration`"),
            ({"auto": 0, "duration": 40.5}, BAD_PARAM, "at `$.duration`"),
            ({"auto": 0, "duration": 40.0}, BAD_PARAM, "at `$.duration`"),
            ({"auto": 0, "duration": True}, BAD_PARAM, "at `$.duration`"),
            (
                {"auto": 1, "duration": 61},
                OUT_OF_RANGE,
                "duration must be between 0 and 60 minutes with auto=1.",
            ),
            (
                {"auto": 1, "duration": -1},
                OUT_OF_RANGE,
                "duration must be between 0 and 60 minutes with auto=1.",
            ),
            ({"auto": 1, "duration": "15"}, BAD_PARAM, "at `$.duration`"),
            ([{"auto": 0, "duration": 40}], BAD_PARAM, "Expected `object`"),
            ("auto", BAD_PARAM, "Expected `object`"),
            (40, BAD_PARAM, "Expected `object`"),
        ]
    ],
)
def test_invalid_body_is_refused(
    host: Member, running: tuple[dict[str, Any], str], body: Any, code: str, reason: str
) -> None:
    meeting, token = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, token, body)
    assert_error(r, 400, code, msg_contains=reason)
    assert snapshot(host, cid) == before


@pytest.mark.parametrize(
    "raw",
    [b'{"auto": 0, "duration": 40', b"{auto: 0}", b"not json", b'{"auto": 0,}', b"\xff\xfe{}"],
    ids=repr,
)
def test_malformed_json_is_refused(host: Member, running: tuple[dict[str, Any], str], raw: bytes) -> None:
    meeting, token = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, token, content=raw)
    assert_error(r, 400, BAD_JSON, msg_contains="Malformed JSON: ")
    assert snapshot(host, cid) == before


def test_empty_body_is_refused(host: Member, running: tuple[dict[str, Any], str]) -> None:
    meeting, token = running
    cid = meeting["conferenceID"]
    before = snapshot(host, cid)
    r = host.extend(cid, token, content=b"")
    assert_error(r, 400, EMPTY_BODY, "The request body is empty.")
    assert snapshot(host, cid) == before


def test_manual_extension_past_the_cap_is_refused_whole(host: Member) -> None:
    meeting = host.create(length=1000)
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    start = parse_wire_time(meeting["startTime"])

    # 1000 + 441 minutes would pass 1440 from the actual start: nothing of it applies.
    r = host.extend(cid, token, {"auto": 0, "duration": 441})
    assert_error(r, 400, OUT_OF_RANGE, "The meeting would run past the maximum of 1440 minutes.")
    assert host.end_time(cid) == start + timedelta(minutes=1000)

    # Exactly up to the cap is fine; one more minute is not.
    ok(host.extend(cid, token, {"auto": 0, "duration": 440}))
    assert host.end_time(cid) == start + timedelta(minutes=1440)
    r = host.extend(cid, token, {"auto": 0, "duration": 1})
    assert_error(r, 400, OUT_OF_RANGE, "The meeting would run past the maximum of 1440 minutes.")
    assert host.end_time(cid) == start + timedelta(minutes=1440)


def test_maximum_length_meeting_cannot_be_extended(host: Member) -> None:
    meeting = host.create(length=1440)
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    before = snapshot(host, cid)
    assert_error(
        host.extend(cid, token, {"auto": 0, "duration": 1}),
        400,
        OUT_OF_RANGE,
        "The meeting would run past the maximum of 1440 minutes.",
    )
    assert snapshot(host, cid) == before


# -- successes -------------------------------------------------------------------------------------


def test_manual_extension_moves_the_end_time(host: Member) -> None:
    meeting = host.create(length=30)
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)
    assert end == parse_wire_time(meeting["endTime"])

    r = host.extend(cid, token, {"auto": 0, "duration": 40})

    assert r.status_code == 200, r.text
    assert r.json() == {}
    content_type = r.headers["content-type"].replace(" ", "").lower()
    assert content_type == "application/json;charset=utf-8"
    assert r.headers.get("x-request-id")
    assert host.end_time(cid) == end + timedelta(minutes=40)
    assert host.detail(cid)["conferenceState"] == "Created"


def test_extensions_add_up(host: Member) -> None:
    meeting = host.create(length=30)
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)
    for minutes in (1, 10, 1):
        ok(host.extend(cid, token, {"auto": 0, "duration": minutes}))
    assert host.end_time(cid) == end + timedelta(minutes=12)


def test_default_duration_is_15_minutes(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    r = host.extend(cid, token, {"auto": 0})

    assert r.status_code == 200, r.text
    assert host.end_time(cid) == end + timedelta(minutes=15)


def test_basic_form_of_the_token_works(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    r = host.extend(cid, basic(token), {"auto": 0, "duration": 20})

    assert r.status_code == 200, r.text
    assert host.end_time(cid) == end + timedelta(minutes=20)


def test_access_token_alongside_the_control_token_is_tolerated(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    r = host.extend(cid, token, {"auto": 0, "duration": 5}, headers={"X-Access-Token": host.access_token})

    assert r.status_code == 200, r.text
    assert host.end_time(cid) == end + timedelta(minutes=5)


def test_sdk_content_type_is_accepted(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    r = host.extend(
        cid,
        token,
        {"auto": 0, "duration": 5},
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )

    assert r.status_code == 200, r.text
    assert host.end_time(cid) == end + timedelta(minutes=5)


def test_auto_extension_sets_the_step_not_the_end(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    r = host.extend(cid, token, {"auto": 1, "duration": 30})

    assert r.status_code == 200, r.text
    assert r.json() == {}
    info = host.detail(cid)
    assert parse_wire_time(info["endTime"]) == end
    assert info["confConfigInfo"]["prolongLength"] == 30


@pytest.mark.parametrize(("body", "step"), [({"auto": 1}, 15), ({"auto": 1, "duration": 60}, 60)])
def test_auto_extension_step_default_and_maximum(host: Member, body: dict[str, int], step: int) -> None:
    meeting = host.create(confConfigInfo={"prolongLength": 5})
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    ok(host.extend(cid, token, body))

    info = host.detail(cid)
    assert parse_wire_time(info["endTime"]) == end
    assert info["confConfigInfo"]["prolongLength"] == step


def test_auto_extension_zero_turns_it_off(host: Member) -> None:
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    ok(host.extend(cid, token, {"auto": 1, "duration": 0}))

    info = host.detail(cid)
    assert parse_wire_time(info["endTime"]) == end
    assert info["confConfigInfo"]["prolongLength"] == 0


def test_seed_curl_example(host: Member, server: Server) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("no curl binary")
    meeting = host.create()
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)

    # The seed's command, with --cacert instead of -k so that the certificate is verified.
    done = subprocess.run(
        [
            curl,
            "--cacert",
            str(server.ca_path),
            "-sS",
            "-i",
            "-H",
            "content-type: application/json",
            "-X",
            "PUT",
            "-H",
            f"X-Conference-Authorization:{token}",
            "-d",
            '{"auto": 0,"duration": 40}',
            f"{server.url}{DURATION}?conferenceID={cid}",
            "-w",
            "\n%{http_code}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    *head, body, status = done.stdout.splitlines()
    assert status == "200", done.stdout
    assert any(line.lower().startswith("x-request-id:") for line in head), done.stdout
    assert json.loads(body) == {}
    assert host.end_time(cid) == end + timedelta(minutes=40)


# -- concurrency and durability ------------------------------------------------------------------


def test_concurrent_extensions_all_apply(host: Member, server: Server) -> None:
    meeting = host.create(length=30)
    cid = meeting["conferenceID"]
    token = host.control_token(meeting)
    end = host.end_time(cid)
    n = 200

    async def one(client: httpx.AsyncClient) -> int:
        r = await client.put(
            DURATION,
            params={"conferenceID": cid},
            headers={"X-Conference-Authorization": token},
            json={"auto": 0, "duration": 1},
        )
        return r.status_code

    async def all_of_them() -> list[int]:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(
            base_url=server.url, verify=server.ssl_context(), timeout=120, limits=limits
        ) as client:
            return await asyncio.gather(*(one(client) for _ in range(n)))

    statuses = asyncio.run(all_of_them())

    assert statuses == [200] * n, {s: statuses.count(s) for s in set(statuses)}
    assert host.end_time(cid) == end + timedelta(minutes=n)


def test_extension_survives_sigkill(own_server: Server) -> None:
    member = new_member(own_server)
    try:
        meeting = member.create(length=30)
        cid = meeting["conferenceID"]
        token = member.control_token(meeting)
        end = member.end_time(cid)

        r = extend(own_server, cid, token, {"auto": 0, "duration": 40})
        assert r.status_code == 200, r.text
        own_server.kill()
    finally:
        member.close()

    own_server.start()
    # The meeting belongs to `member`; read it as that account, logging in again.
    again = Member(own_server, member.account, own_server.login(member.account))
    try:
        assert again.end_time(cid) == end + timedelta(minutes=40)
        # The control token lives in the database too: it still extends the meeting.
        ok(extend(own_server, cid, token, {"auto": 0, "duration": 1}))
        assert again.end_time(cid) == end + timedelta(minutes=41)
    finally:
        again.close()
