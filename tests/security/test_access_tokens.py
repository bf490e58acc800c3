"""Access token scope (BEHAVIOUR §5): a logged-out token opens nothing; clientType 72 keeps at
most 64 live tokens per account (the oldest is evicted), any other client type one."""

from __future__ import annotations

import httpx

from api.helpers import DETAIL, HISTORY, MEETINGS, TOKEN, VALIDATE, MakeMember, assert_error, now_ms, ok
from security.wire import ACCESS_TOKEN_INVALID, login
from support import Server


def every_route(server: Server, token: str, conference_id: str) -> dict[str, httpx.Response]:
    """One call to each kind of route that takes an access token."""
    day = 24 * 3600 * 1000
    with server.client(headers={"X-Access-Token": token}) as c:
        return {
            "list": c.get(MEETINGS),
            "detail": c.get(DETAIL, params={"conferenceID": conference_id}),
            "create": c.post(MEETINGS, json={"mediaTypes": "Voice"}),
            "cancel": c.delete(MEETINGS, params={"conferenceID": conference_id, "type": 1}),
            "history": c.get(HISTORY, params={"startDate": now_ms() - day, "endDate": now_ms() + day}),
            "validate": c.post(VALIDATE, json={"token": token, "needGenNewToken": True}),
            "refresh": c.put(TOKEN),
            "logout": c.delete(TOKEN),
        }


def list_meetings(server: Server, token: str) -> httpx.Response:
    with server.client(headers={"X-Access-Token": token}) as c:
        return c.get(MEETINGS)


def test_logged_out_token_opens_nothing(server: Server, make_member: MakeMember) -> None:
    member = make_member()
    cid = member.create()["conferenceID"]
    with server.client(headers={"X-Access-Token": member.access_token}) as c:
        ok(c.delete(TOKEN))

    for name, r in every_route(server, member.access_token, cid).items():
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert_error(
            r,
            401,
            ACCESS_TOKEN_INVALID,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
    # Nothing was done with it.
    fresh = server.login(member.account)
    with server.client(headers={"X-Access-Token": fresh}) as c:
        info = ok(c.get(DETAIL, params={"conferenceID": cid})).json()["conferenceData"]
    assert info["conferenceState"] == "Created"


def test_refresh_token_of_a_logged_out_session_is_dead(server: Server) -> None:
    who = server.add_user()
    body = ok(login(server, who.account, who.password)).json()
    with server.client() as c:
        ok(c.delete(TOKEN, headers={"X-Access-Token": body["accessToken"]}))
        r = c.put(TOKEN, headers={"X-Access-Token": body["refreshToken"]})
    assert_error(
        r, 401, ACCESS_TOKEN_INVALID, "Illegal request: the X-Access-Token is missing, invalid or expired."
    )


def test_refresh_token_is_no_access_token(server: Server) -> None:
    who = server.add_user()
    body = ok(login(server, who.account, who.password)).json()
    assert_error(
        list_meetings(server, body["refreshToken"]),
        401,
        ACCESS_TOKEN_INVALID,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )


def test_refreshed_token_replaces_the_old_one(server: Server) -> None:
    who = server.add_user()
    body = ok(login(server, who.account, who.password)).json()
    with server.client() as c:
        fresh = ok(c.put(TOKEN, headers={"X-Access-Token": body["refreshToken"]})).json()
        # The spent refresh token cannot be used again.
        assert_error(
            c.put(TOKEN, headers={"X-Access-Token": body["refreshToken"]}),
            401,
            ACCESS_TOKEN_INVALID,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
    assert_error(
        list_meetings(server, body["accessToken"]),
        401,
        ACCESS_TOKEN_INVALID,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    ok(list_meetings(server, fresh["accessToken"]))


def test_sixty_fifth_api_token_evicts_the_oldest(server: Server) -> None:
    who = server.add_user()
    tokens = [ok(login(server, who.account, who.password)).json()["accessToken"] for _ in range(64)]
    for token in (tokens[0], tokens[63]):
        ok(list_meetings(server, token))

    newest = ok(login(server, who.account, who.password)).json()["accessToken"]

    assert_error(
        list_meetings(server, tokens[0]),
        401,
        ACCESS_TOKEN_INVALID,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    for token in (tokens[1], tokens[63], newest):
        ok(list_meetings(server, token))


def test_other_client_type_keeps_one_token(server: Server) -> None:
    who = server.add_user()
    first = ok(login(server, who.account, who.password, client_type=0)).json()["accessToken"]
    ok(list_meetings(server, first))

    second = ok(login(server, who.account, who.password, client_type=0)).json()["accessToken"]

    assert_error(
        list_meetings(server, first),
        401,
        ACCESS_TOKEN_INVALID,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    ok(list_meetings(server, second))


def test_client_types_do_not_evict_each_other(server: Server) -> None:
    who = server.add_user()
    api = ok(login(server, who.account, who.password, client_type=72)).json()["accessToken"]
    other = ok(login(server, who.account, who.password, client_type=0)).json()["accessToken"]
    ok(login(server, who.account, who.password, client_type=0))

    ok(list_meetings(server, api))
    assert_error(
        list_meetings(server, other),
        401,
        ACCESS_TOKEN_INVALID,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )


def test_logout_ends_only_that_token(server: Server) -> None:
    who = server.add_user()
    mine, other_session = server.login(who), server.login(who)
    with server.client() as c:
        ok(c.delete(TOKEN, headers={"X-Access-Token": mine}))
    assert_error(
        list_meetings(server, mine),
        401,
        ACCESS_TOKEN_INVALID,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    ok(list_meetings(server, other_session))


def test_logout_of_one_account_leaves_another_alone(server: Server, make_member: MakeMember) -> None:
    alice, bob = make_member(), make_member()
    cid = alice.create()["conferenceID"]
    with server.client() as c:
        ok(c.delete(TOKEN, headers={"X-Access-Token": bob.access_token}))
    assert alice.detail(cid)["conferenceState"] == "Created"
    ok(list_meetings(server, alice.access_token))
