"""Wire conventions of BEHAVIOUR §1: X-Request-Id, the error envelope for 404/405/413 and
client mistakes, never a 5xx, /health."""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest

from api.helpers import (
    CONTROL_TOKEN,
    DURATION,
    LOGIN,
    MEETINGS,
    STOP,
    TOKEN,
    VALIDATE,
    Member,
    assert_envelope,
    future_start,
    ok,
)
from support import Server

ROUTES = [
    ("POST", LOGIN),
    ("POST", VALIDATE),
    ("PUT", TOKEN),
    ("DELETE", TOKEN),
    ("POST", MEETINGS),
    ("GET", MEETINGS),
    ("PUT", MEETINGS),
    ("DELETE", MEETINGS),
    ("GET", f"{MEETINGS}/confDetail"),
    ("POST", f"{MEETINGS}/start"),
    ("GET", CONTROL_TOKEN),
    ("PUT", DURATION),
    ("PUT", STOP),
    ("GET", "/v1/mmc/control/conferences/realTimeInfo"),
]


def test_health(server: Server) -> None:
    with server.client() as c:
        r = c.get("/health")
    ok(r)
    assert r.headers.get("x-request-id")


def test_request_id_on_success_and_error(server: Server, host: Member) -> None:
    success = ok(host.list_raw())
    with server.client() as c:
        error = c.get(MEETINGS)
    assert error.status_code == 401
    ids = {success.headers.get("x-request-id"), error.headers.get("x-request-id")}
    assert None not in ids and "" not in ids
    assert len(ids) == 2, "each response gets its own id"


@pytest.mark.parametrize("header", ["X-Request-Id", "X-Request-ID", "x-request-id"])
def test_request_id_is_echoed(server: Server, host: Member, header: str) -> None:
    sent = uuid.uuid4().hex
    assert host.http.get(MEETINGS, headers={header: sent}).headers["x-request-id"] == sent
    with server.client() as c:
        error = c.get(MEETINGS, headers={header: sent})
        assert error.status_code == 401
        assert error.headers["x-request-id"] == sent
        missing = c.get("/no/such/path", headers={header: sent})
        assert missing.headers["x-request-id"] == sent


@pytest.mark.parametrize(
    "path", ["/no/such/path", "/v1/mmc/management/nothing", "/v1/usg/acs/auth/nothing", "/v2"]
)
def test_unknown_path_is_404_in_the_envelope(server: Server, path: str) -> None:
    with server.client() as c:
        for method in ("GET", "POST", "PUT", "DELETE"):
            assert_envelope(c.request(method, path), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", LOGIN),
        ("DELETE", LOGIN),
        ("GET", VALIDATE),
        ("PATCH", MEETINGS),
        ("POST", f"{MEETINGS}/confDetail"),
        ("GET", DURATION),
        ("POST", DURATION),
        ("DELETE", DURATION),
        ("POST", CONTROL_TOKEN),
        ("GET", STOP),
    ],
)
def test_wrong_method_is_405_in_the_envelope(server: Server, method: str, path: str) -> None:
    with server.client() as c:
        assert_envelope(c.request(method, path), 405)


def huge_body() -> bytes:
    return json.dumps({"mediaTypes": "Voice", "subject": "x" * (2 * 1024 * 1024)}).encode()


def test_huge_body_is_413_in_the_envelope(server: Server, host: Member) -> None:
    """Requests that would otherwise be fine: good credentials, only the body is too big."""
    json_type = {"Content-Type": "application/json"}
    assert_envelope(host.http.post(MEETINGS, content=huge_body(), headers=json_type), 413)

    meeting = host.create()
    token = host.control_token(meeting)
    r = host.extend(meeting["conferenceID"], token, content=huge_body())
    assert_envelope(r, 413)

    who = host.account
    auth = base64.b64encode(f"{who.account}:{who.password}".encode()).decode()
    with server.client() as c:
        r = c.post(LOGIN, content=huge_body(), headers={**json_type, "Authorization": f"Basic {auth}"})
    assert_envelope(r, 413)


def test_huge_chunked_body_is_413_in_the_envelope(host: Member) -> None:
    def chunks() -> list[bytes]:
        return [b'{"mediaTypes": "Voice", "subject": "'] + [b"x" * 65536] * 40 + [b'"}']

    r = host.http.post(MEETINGS, content=iter(chunks()), headers={"Content-Type": "application/json"})
    assert_envelope(r, 413)


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"null", b"[]", b'"x"', b"\xff\xfe", b'{"auto": 1e999}', b"{" * 10000],
    ids=["empty", "open", "null", "array", "string", "binary", "huge-number", "deep"],
)
def test_client_mistakes_never_give_5xx(
    server: Server, host: Member, method: str, path: str, raw: bytes
) -> None:
    # Logout would end the shared member's token: spend a token of its own on it.
    token = server.login(host.account) if path == TOKEN else host.access_token
    with server.client() as c:
        r = c.request(
            method,
            path,
            params={"conferenceID": "000000000"},
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-Conference-Authorization": "junk",
                "X-Access-Token": token,
            },
        )
    assert r.status_code < 500, r.text
    assert r.headers.get("x-request-id")
    if r.status_code >= 400:
        assert_envelope(r, r.status_code)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"conferenceID": ""},
        {"conferenceID": "x" * 5000},
        {"conferenceID": "1; DROP TABLE meetings"},
        {"offset": "a", "limit": "b"},
        {"offset": "-1", "limit": "-1"},
        {"limit": "99999999999999999999999"},
        {"queryAll": "maybe"},
    ],
    ids=repr,
)
def test_odd_query_strings_never_give_5xx(host: Member, params: dict[str, str]) -> None:
    for path in (MEETINGS, f"{MEETINGS}/confDetail"):
        r = host.http.get(path, params=params)
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert_envelope(r, r.status_code)


def test_odd_headers_never_give_5xx(server: Server, host: Member) -> None:
    meeting = host.create()
    with server.client() as c:
        for headers in (
            {"X-Login-Type": "x", "X-Password": "1"},
            {"X-Login-Type": "1", "X-Password": "x" * 10000},
            {"X-Conference-Authorization": "Basic " + "=" * 100},
            {"X-Conference-Authorization": "x" * 10000},
        ):
            r = c.get(CONTROL_TOKEN, params={"conferenceID": meeting["conferenceID"]}, headers=headers)
            assert r.status_code < 500, r.text
            assert_envelope(r, r.status_code)
        for auth in ("Basic", "Basic !!!", "Bearer x", "Basic " + "eA==", "x" * 10000):
            r = c.post(LOGIN, headers={"Authorization": auth}, json={"account": "a", "clientType": 72})
            assert r.status_code < 500, r.text
            assert_envelope(r, r.status_code)


def test_error_content_type_is_json(server: Server) -> None:
    with server.client() as c:
        r = c.get(MEETINGS)
    assert r.headers["content-type"].startswith("application/json")


def test_http_1_1_keep_alive_survives_errors(server: Server) -> None:
    with httpx.Client(base_url=server.url, verify=server.ssl_context()) as c:
        for _ in range(20):
            assert c.get("/no/such/path").status_code == 404
            ok(c.get("/health"))


def assert_empty_object(r: httpx.Response) -> None:
    ok(r)
    assert r.json() == {}
    assert r.headers["content-type"].replace(" ", "").lower() == "application/json;charset=utf-8"
    assert r.headers.get("x-request-id")


def test_operations_without_response_parameters_answer_an_empty_object(server: Server, host: Member) -> None:
    meeting = host.create()
    token = host.control_token(meeting)
    assert_empty_object(host.extend(meeting["conferenceID"], token, {"auto": 0, "duration": 1}))
    assert_empty_object(host.stop(meeting["conferenceID"], token))

    scheduled = host.create(startTime=future_start(120))
    assert_empty_object(host.http.delete(MEETINGS, params={"conferenceID": scheduled["conferenceID"]}))

    with server.client() as c:
        assert_empty_object(c.delete(TOKEN, headers={"X-Access-Token": server.login(host.account)}))
