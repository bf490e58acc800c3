"""USG: account login, access tokens on management routes, validate, refresh, logout."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from api.helpers import (
    LOGIN,
    MEETINGS,
    TOKEN,
    VALIDATE,
    assert_envelope,
    assert_error,
    ok,
)
from support import Server, expire_tokens

WRONG_CREDENTIALS = "USG.006010000"
BAD_ACCESS_TOKEN = "USG.000000004"
MALFORMED = "USG.000000003"
TWELVE_HOURS = 12 * 3600


def login(server: Server, account: str, password: str, client_type: int = 72) -> httpx.Response:
    auth = base64.b64encode(f"{account}:{password}".encode()).decode()
    with server.client() as c:
        return c.post(
            LOGIN,
            headers={"Authorization": f"Basic {auth}"},
            json={"account": account, "clientType": client_type},
        )


def list_meetings(server: Server, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"X-Access-Token": token}
    with server.client() as c:
        return c.get(MEETINGS, headers=headers)


def test_account_login(server: Server) -> None:
    who = server.add_user()
    before = time.time()

    r = login(server, who.account, who.password)

    assert r.status_code == 200, r.text
    assert r.headers.get("x-request-id")
    body = r.json()
    token = body["accessToken"]
    assert isinstance(token, str) and len(token) >= 32
    assert body["clientType"] == 72
    # Valid 24 h by default, never under 12 h; expireTime in seconds, createTime in ms.
    assert body["validPeriod"] >= TWELVE_HOURS
    assert before + TWELVE_HOURS - 5 <= body["expireTime"] <= time.time() + 48 * 3600
    assert abs(body["createTime"] / 1000 - time.time()) < 120
    ok(list_meetings(server, token))


def test_two_logins_give_two_working_tokens(server: Server) -> None:
    who = server.add_user()
    first = login(server, who.account, who.password).json()["accessToken"]
    second = login(server, who.account, who.password).json()["accessToken"]
    assert first != second
    ok(list_meetings(server, first))
    ok(list_meetings(server, second))


def test_wrong_password_is_refused(server: Server) -> None:
    who = server.add_user()
    r = login(server, who.account, who.password + "x")
    assert_error(r, 401, WRONG_CREDENTIALS, "Wrong account or password.")


def test_unknown_account_is_refused_the_same_way(server: Server) -> None:
    r = login(server, "no-such-account-" + str(time.time_ns()), "Whatever-123")
    assert_error(r, 401, WRONG_CREDENTIALS, "Wrong account or password.")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(raw, reason, id=repr(raw))
        for raw, reason in [
            (b'{"account": "x", "clientType": 72', "Malformed JSON: Input data was truncated"),
            (b"not json", "Malformed JSON: JSON is malformed"),
            (b"[1, 2]", "Parameter validation failed: Expected `object`, got `array`"),
            (b"\xff", "Malformed JSON: JSON is malformed"),
        ]
    ],
)
def test_malformed_login_body_is_refused(server: Server, raw: bytes, reason: str) -> None:
    who = server.add_user()
    auth = base64.b64encode(f"{who.account}:{who.password}".encode()).decode()
    with server.client() as c:
        r = c.post(
            LOGIN,
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
            content=raw,
        )
    assert_error(r, 400, MALFORMED, msg_contains=reason)


def test_login_without_authorization_is_refused(server: Server) -> None:
    who = server.add_user()
    with server.client() as c:
        r = c.post(LOGIN, json={"account": who.account, "clientType": 72})
    assert_envelope(r, r.status_code)
    assert r.status_code in (400, 401), r.text


def test_five_wrong_logins_then_429(own_server: Server) -> None:
    who = own_server.add_user()
    for _ in range(5):
        assert_error(
            login(own_server, who.account, "Wrong-pass-1"),
            401,
            WRONG_CREDENTIALS,
            "Wrong account or password.",
        )

    for password in (who.password, "Wrong-pass-1"):
        r = login(own_server, who.account, password)
        assert_envelope(r, 429)
        retry_after = int(r.headers["retry-after"])
        assert 0 < retry_after <= 600


def test_login_lock_is_per_account(own_server: Server) -> None:
    locked = own_server.add_user()
    other = own_server.add_user()
    for _ in range(5):
        login(own_server, locked.account, "Wrong-pass-1")
    assert login(own_server, locked.account, locked.password).status_code == 429
    r = login(own_server, other.account, other.password)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("token", [None, "", "garbage", "stbX5ElstO5QwOwPB9KGQWUZ1DHoFrTsQjjC"])
def test_missing_or_garbled_access_token_is_refused(server: Server, token: str | None) -> None:
    assert_error(
        list_meetings(server, token),
        401,
        BAD_ACCESS_TOKEN,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )


def test_access_token_is_refused_on_every_management_route(server: Server) -> None:
    with server.client(headers={"X-Access-Token": "garbage"}) as c:
        responses = [
            c.get(MEETINGS),
            c.post(MEETINGS, json={"mediaTypes": "Voice"}),
            c.put(MEETINGS, params={"conferenceID": "000000000"}, json={"mediaTypes": "Voice"}),
            c.delete(MEETINGS, params={"conferenceID": "000000000"}),
            c.get(f"{MEETINGS}/confDetail", params={"conferenceID": "000000000"}),
            c.post(f"{MEETINGS}/start", json={"conferenceID": "000000000", "password": "1"}),
        ]
    for r in responses:
        assert_error(
            r, 401, BAD_ACCESS_TOKEN, "Illegal request: the X-Access-Token is missing, invalid or expired."
        )


def test_expired_access_token_is_refused(own_server: Server) -> None:
    who = own_server.add_user()
    token = own_server.login(who)
    ok(list_meetings(own_server, token))
    expire_tokens(own_server, "access_tokens")

    assert_error(
        list_meetings(own_server, token),
        401,
        BAD_ACCESS_TOKEN,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    with own_server.client() as c:
        r = c.post(VALIDATE, json={"token": token, "needGenNewToken": False})
    assert_error(
        r, 401, BAD_ACCESS_TOKEN, "Illegal request: the X-Access-Token is missing, invalid or expired."
    )


def test_validate_token(server: Server) -> None:
    who = server.add_user()
    token = server.login(who)
    with server.client() as c:
        r = c.post(VALIDATE, json={"token": token, "needGenNewToken": False})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accessToken"] == token
    assert body["validPeriod"] > 0
    assert body["expireTime"] > time.time()


def test_validate_with_a_new_token(server: Server) -> None:
    who = server.add_user()
    token = server.login(who)
    with server.client() as c:
        r = c.post(VALIDATE, json={"token": token, "needGenNewToken": True})
    assert r.status_code == 200, r.text
    fresh = r.json()["accessToken"]
    assert fresh != token
    ok(list_meetings(server, fresh))


@pytest.mark.parametrize("token", ["garbage", "stbX5ElstO5QwOwPB9KGQWUZ1DHoFrTsQjjC"])
def test_validate_bad_token(server: Server, token: str) -> None:
    with server.client() as c:
        r = c.post(VALIDATE, json={"token": token, "needGenNewToken": False})
    assert_error(
        r, 401, BAD_ACCESS_TOKEN, "Illegal request: the X-Access-Token is missing, invalid or expired."
    )


def test_validate_malformed_body(server: Server) -> None:
    with server.client() as c:
        r = c.post(VALIDATE, content=b"{", headers={"Content-Type": "application/json"})
    assert_error(r, 400, MALFORMED, "Malformed JSON: Input data was truncated")


def test_refresh_gives_a_new_token(server: Server) -> None:
    who = server.add_user()
    token = server.login(who)
    with server.client() as c:
        r = c.put(TOKEN, headers={"X-Access-Token": token})
    assert r.status_code == 200, r.text
    body = r.json()
    fresh = body["accessToken"]
    assert isinstance(fresh, str) and fresh != token
    assert body["validPeriod"] >= TWELVE_HOURS
    ok(list_meetings(server, fresh))


def test_refresh_with_a_bad_token(server: Server) -> None:
    with server.client() as c:
        assert_error(
            c.put(TOKEN, headers={"X-Access-Token": "garbage"}),
            401,
            BAD_ACCESS_TOKEN,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
        assert_error(
            c.put(TOKEN),
            401,
            BAD_ACCESS_TOKEN,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )


def test_logout_ends_the_token(server: Server) -> None:
    who = server.add_user()
    token = server.login(who)
    other = server.login(who)
    with server.client() as c:
        r = c.delete(TOKEN, headers={"X-Access-Token": token})
        assert r.status_code == 200, r.text
        assert_error(
            list_meetings(server, token),
            401,
            BAD_ACCESS_TOKEN,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
        assert_error(
            c.delete(TOKEN, headers={"X-Access-Token": token}),
            401,
            BAD_ACCESS_TOKEN,
            "Illegal request: the X-Access-Token is missing, invalid or expired.",
        )
    # Only that token: the account's other session goes on.
    ok(list_meetings(server, other))


def test_api_clients_keep_64_tokens(server: Server) -> None:
    who = server.add_user()
    tokens = [login(server, who.account, who.password).json()["accessToken"] for _ in range(65)]
    assert len(set(tokens)) == 65
    assert_error(
        list_meetings(server, tokens[0]),
        401,
        BAD_ACCESS_TOKEN,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    for token in (tokens[1], tokens[32], tokens[64]):
        ok(list_meetings(server, token))


def test_other_clients_keep_one_token(server: Server) -> None:
    who = server.add_user()
    first = login(server, who.account, who.password, client_type=0).json()["accessToken"]
    second = login(server, who.account, who.password, client_type=0).json()["accessToken"]
    assert_error(
        list_meetings(server, first),
        401,
        BAD_ACCESS_TOKEN,
        "Illegal request: the X-Access-Token is missing, invalid or expired.",
    )
    ok(list_meetings(server, second))


def test_default_access_token_life_is_24_hours(server: Server) -> None:
    who = server.add_user()
    body = login(server, who.account, who.password).json()
    assert 24 * 3600 - 120 <= body["validPeriod"] <= 24 * 3600
    assert abs(body["expireTime"] - (time.time() + body["validPeriod"])) < 120


def test_secrets_are_not_stored_in_clear(own_server: Server) -> None:
    who = own_server.add_user(password="Clear-Text-Password-4711")
    access = login(own_server, who.account, who.password).json()["accessToken"]
    with own_server.client(headers={"X-Access-Token": access}) as c:
        meeting = c.post(MEETINGS, json={"mediaTypes": "Voice"}).json()[0]
        chair = next(e["password"] for e in meeting["passwordEntry"] if e["conferenceRole"] == "chair")
        control = c.get(
            "/v1/mmc/control/conferences/token",
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Password": chair, "X-Login-Type": "1"},
        ).json()["data"]["token"]
    own_server.stop()  # flush everything to the database files

    stored = own_server.stored_bytes()
    assert who.account.encode() in stored, "the dump holds the accounts"
    for secret in (who.password, access, control):
        assert secret.encode() not in stored, f"{secret[:6]}... is stored in clear"
