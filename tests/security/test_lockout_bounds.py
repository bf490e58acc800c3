"""Guessing counters under hostile input (issue 9, findings 3 and 5): account names and
conference ids that cannot exist are refused in the envelope (never a 500, on PostgreSQL
either) and still counted; the counters are stored under a bounded digest, lapse, and are
deleted when they have."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx

from api.helpers import CONTROL_TOKEN, LOGIN, assert_error, ok
from security.wire import CONF_AUTH_FAILED, CONF_LOCKED, LOGIN_FAILED, LOGIN_LOCKED, retry_after
from support import Server, ServerFactory, unique

WRONG = "Wrong account or password."
LOCKED = "Too many failed logins; the account is locked for this client for a while."
CONF_WRONG = "CONF_NOT_FOUND_OR_AUTH_FAILED"
CONF_LOCKED_MSG = "Too many wrong meeting passwords; control login is locked for a while."
PARAMETER_INVALID = "MMC.111071061"
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def basic_login(c: httpx.Client, account: str, password: str) -> httpx.Response:
    """A login as a plain client sends it: the name only in the Basic header (the body's
    `account` has a bound of its own at the wire edge)."""
    raw = f"{account}:{password}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    return c.post(LOGIN, headers=headers, json={"clientType": 72})


def token_request(c: httpx.Client, conference_id: str) -> httpx.Response:
    return c.get(
        CONTROL_TOKEN,
        params={"conferenceID": conference_id},
        headers={"X-Password": "123456", "X-Login-Type": "1"},
    )


def no_traceback(server: Server) -> None:
    log = (server.data_dir / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]


def test_a_300_character_account_name_is_refused_and_counted(own_server: Server) -> None:
    name = "a" * 300
    with own_server.client() as c:
        for _ in range(5):
            assert_error(basic_login(c, name, "Whatever-123"), 401, LOGIN_FAILED, WRONG)
        r = basic_login(c, name, "Whatever-123")
    assert_error(r, 429, LOGIN_LOCKED, LOCKED)
    retry_after(r)
    no_traceback(own_server)


def test_control_characters_in_an_account_name_are_a_wrong_login(server: Server) -> None:
    with server.client() as c:
        for name in ["nul\x00" + unique("x"), "tab\t" + unique("x"), "del\x7f" + unique("x"), "\x00"]:
            assert_error(basic_login(c, name, "Whatever-123"), 401, LOGIN_FAILED, WRONG)
        # The server goes on serving an ordinary login.
        who = server.add_user()
        ok(basic_login(c, who.account, who.password))


def test_a_nul_account_name_is_counted_like_any_other(own_server: Server) -> None:
    with own_server.client() as c:
        for _ in range(5):
            assert_error(basic_login(c, "eve\x00", "Whatever-123"), 401, LOGIN_FAILED, WRONG)
        assert_error(basic_login(c, "eve\x00", "Whatever-123"), 429, LOGIN_LOCKED, LOCKED)
    no_traceback(own_server)


def test_conference_ids_that_cannot_exist_never_answer_500(server: Server) -> None:
    """Refused at the wire edge (a bound of 20 characters, no NUL) or simply not found."""
    with server.client() as c:
        for cid in ["9" * 300, "1\x00", "9" * 20_000, "1\x01", "\x7f"]:
            r = token_request(c, cid)
            assert r.status_code == 400, (cid[:30], r.status_code, r.text[:300])
            body = r.json()
            assert body["error_code"] in (PARAMETER_INVALID, CONF_AUTH_FAILED), body
            if body["error_code"] == PARAMETER_INVALID:
                assert body["error_msg"].startswith("Parameter validation failed"), body
        r = c.get(CONTROL_TOKEN + "?conferenceID=1%00", headers={"X-Password": "1", "X-Login-Type": "1"})
        assert r.status_code == 400, r.text


def test_guessing_a_meeting_that_does_not_exist_locks_too(own_server: Server) -> None:
    with own_server.client() as c:
        for _ in range(5):
            assert_error(token_request(c, "000000001"), 400, CONF_AUTH_FAILED, CONF_WRONG)
        r = token_request(c, "000000001")
    assert_error(r, 429, CONF_LOCKED, CONF_LOCKED_MSG)
    retry_after(r)


def test_counters_are_stored_under_a_bounded_digest(own_server: Server) -> None:
    names = [unique("n") + "x" * 240 for _ in range(10)]
    with own_server.client() as c:
        for name in names:
            assert_error(basic_login(c, name, "Whatever-123"), 401, LOGIN_FAILED, WRONG)
        for i in range(10):
            assert_error(token_request(c, f"{i:020d}"), 400, CONF_AUTH_FAILED, CONF_WRONG)
    keys = [k for (k,) in own_server.sql("SELECT key FROM throttles")]
    assert len(keys) == 20
    assert all(DIGEST.match(k) for k in keys), keys
    stored = repr(own_server.sql("SELECT * FROM throttles"))
    assert not any(name[:12] in stored for name in names), "names are not stored in clear"


def test_lapsed_counters_are_deleted_when_a_new_one_is_added(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    srv = make_server(tmp_path / "sandbox", ["--sandbox"])
    try:
        with srv.client() as c:
            for i in range(30):
                assert_error(basic_login(c, f"gone-{i}", "Whatever-123"), 401, LOGIN_FAILED, WRONG)
            for _ in range(5):
                basic_login(c, "locked", "Whatever-123")
            assert srv.sql("SELECT COUNT(*) FROM throttles") == [(31,)]

            ok(c.post("/sandbox/v1/clock/advance", json={"seconds": 11 * 60}))
            assert_error(basic_login(c, "new-guess", "Whatever-123"), 401, LOGIN_FAILED, WRONG)
            assert srv.sql("SELECT COUNT(*) FROM throttles") == [(1,)], "only the new counter is left"

            for _ in range(5):
                basic_login(c, "locked-now", "Whatever-123")
            assert_error(basic_login(c, "another", "Whatever-123"), 401, LOGIN_FAILED, WRONG)
            assert_error(basic_login(c, "locked-now", "Whatever-123"), 429, LOGIN_LOCKED, LOCKED)
            assert srv.sql("SELECT COUNT(*) FROM throttles") == [(3,)], "live counters stay"
    finally:
        srv.stop()
