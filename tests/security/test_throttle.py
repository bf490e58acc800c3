"""Guessing limits (BEHAVIOUR §5): 5 wrong meeting passwords, or 5 wrong logins, from one client
lock that (meeting|account, client) pair: even the right password then gets 429 with
Retry-After. Other meetings, other accounts and other clients go on. Each test has a server of
its own, so the shared server's counters stay clean."""

from __future__ import annotations

import httpx

from api.helpers import (
    ACTIVATE,
    CONTROL_TOKEN,
    MakeMember,
    Member,
    assert_error,
    future_start,
    ok,
    password_of,
)
from security.wire import (
    CONF_AUTH_FAILED,
    CONF_LOCKED,
    LOGIN_FAILED,
    LOGIN_LOCKED,
    client_from,
    login,
    retry_after,
)
from support import Server

ANOTHER_CLIENT = "127.0.0.2"


def wrong(password: str) -> str:
    return "9" + password if not password.startswith("9") else "8" + password


def token_request(client: httpx.Client, conference_id: str, password: str) -> httpx.Response:
    """The control-token call, raw, as a plain HTTPS client sends it."""
    return client.get(
        CONTROL_TOKEN,
        params={"conferenceID": conference_id},
        headers={"X-Password": password, "X-Login-Type": "1"},
    )


def guess_five_times(client: httpx.Client, meeting: dict[str, object]) -> None:
    chair = password_of(meeting, "chair")
    for _ in range(5):
        r = token_request(client, str(meeting["conferenceID"]), wrong(chair))
        assert_error(r, 400, CONF_AUTH_FAILED, "CONF_NOT_FOUND_OR_AUTH_FAILED")


# -- meeting passwords ---------------------------------------------------------------------------


def test_sixth_guess_is_locked_even_with_the_right_password(
    own_server: Server, make_own_member: MakeMember
) -> None:
    meeting = make_own_member().create()
    cid = meeting["conferenceID"]
    with own_server.client() as c:
        guess_five_times(c, meeting)

        right = token_request(c, cid, password_of(meeting, "chair"))
        assert_error(
            right, 429, CONF_LOCKED, "Too many wrong meeting passwords; control login is locked for a while."
        )
        retry_after(right)
        assert "data" not in right.json()

        guest = token_request(c, cid, password_of(meeting, "general"))
        assert_error(
            guest, 429, CONF_LOCKED, "Too many wrong meeting passwords; control login is locked for a while."
        )
        retry_after(guest)


def test_meeting_lock_leaves_other_meetings_alone(own_server: Server, make_own_member: MakeMember) -> None:
    host = make_own_member()
    locked, other = host.create(), host.create()
    with own_server.client() as c:
        guess_five_times(c, locked)
        assert_error(
            token_request(c, locked["conferenceID"], password_of(locked, "chair")),
            429,
            CONF_LOCKED,
            "Too many wrong meeting passwords; control login is locked for a while.",
        )

        r = ok(token_request(c, other["conferenceID"], password_of(other, "chair")))
    assert r.json()["data"]["role"] == 1


def test_meeting_lock_leaves_other_clients_alone(own_server: Server, make_own_member: MakeMember) -> None:
    meeting = make_own_member().create()
    cid = meeting["conferenceID"]
    with own_server.client() as c:
        guess_five_times(c, meeting)
        assert_error(
            token_request(c, cid, password_of(meeting, "chair")),
            429,
            CONF_LOCKED,
            "Too many wrong meeting passwords; control login is locked for a while.",
        )

    with client_from(own_server, ANOTHER_CLIENT) as elsewhere:
        r = ok(token_request(elsewhere, cid, password_of(meeting, "chair")))
    assert r.json()["data"]["role"] == 1


def test_four_guesses_and_the_right_password_get_a_token(
    own_server: Server, make_own_member: MakeMember
) -> None:
    meeting = make_own_member().create()
    chair = password_of(meeting, "chair")
    with own_server.client() as c:
        for _ in range(4):
            assert_error(
                token_request(c, meeting["conferenceID"], wrong(chair)),
                400,
                CONF_AUTH_FAILED,
                "CONF_NOT_FOUND_OR_AUTH_FAILED",
            )
        ok(token_request(c, meeting["conferenceID"], chair))


def test_guessing_activation_locks_it_too(own_server: Server, make_own_member: MakeMember) -> None:
    """Activation checks the same meeting password, so it counts against the same limit."""
    host: Member = make_own_member()
    meeting = host.create(length=60, startTime=future_start(180))
    cid = meeting["conferenceID"]
    chair = password_of(meeting, "chair")
    for _ in range(5):
        r = host.http.post(ACTIVATE, json={"conferenceID": cid, "password": wrong(chair)})
        assert_error(r, 400, CONF_AUTH_FAILED, "CONF_NOT_FOUND_OR_AUTH_FAILED")

    r = host.http.post(ACTIVATE, json={"conferenceID": cid, "password": chair})

    assert_error(
        r, 429, CONF_LOCKED, "Too many wrong meeting passwords; control login is locked for a while."
    )
    retry_after(r)
    assert host.detail(cid)["conferenceState"] == "Schedule"


# -- account logins ------------------------------------------------------------------------------


def test_sixth_login_is_locked_even_with_the_right_password(own_server: Server) -> None:
    who = own_server.add_user()
    for _ in range(5):
        assert_error(
            login(own_server, who.account, wrong(who.password)),
            401,
            LOGIN_FAILED,
            "Wrong account or password.",
        )

    r = login(own_server, who.account, who.password)

    assert_error(
        r, 429, LOGIN_LOCKED, "Too many failed logins; the account is locked for this client for a while."
    )
    retry_after(r)
    assert "accessToken" not in r.json()


def test_login_lock_leaves_other_accounts_alone(own_server: Server) -> None:
    locked, other = own_server.add_user(), own_server.add_user()
    for _ in range(5):
        login(own_server, locked.account, wrong(locked.password))
    assert_error(
        login(own_server, locked.account, locked.password),
        429,
        LOGIN_LOCKED,
        "Too many failed logins; the account is locked for this client for a while.",
    )

    ok(login(own_server, other.account, other.password))


def test_login_lock_leaves_other_clients_alone(own_server: Server) -> None:
    who = own_server.add_user()
    for _ in range(5):
        login(own_server, who.account, wrong(who.password))
    assert_error(
        login(own_server, who.account, who.password),
        429,
        LOGIN_LOCKED,
        "Too many failed logins; the account is locked for this client for a while.",
    )

    with client_from(own_server, ANOTHER_CLIENT) as elsewhere:
        ok(login(own_server, who.account, who.password, client=elsewhere))


def test_guessing_unknown_accounts_is_locked_too(own_server: Server) -> None:
    """An account that does not exist is guessed at like one that does: same answers, same lock."""
    name = "nobody-" + own_server.port.__str__()
    for _ in range(5):
        assert_error(login(own_server, name, "Whatever-123"), 401, LOGIN_FAILED, "Wrong account or password.")
    r = login(own_server, name, "Whatever-123")
    assert_error(
        r, 429, LOGIN_LOCKED, "Too many failed logins; the account is locked for this client for a while."
    )
    retry_after(r)
