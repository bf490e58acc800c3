"""Size limits (BEHAVIOUR §1): bodies over 1 MiB answer 413 in the envelope, announced or
chunked; oversized request heads answer a 4xx; the server goes on serving afterwards."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from api.helpers import (
    DURATION,
    LOGIN,
    MEETINGS,
    MakeMember,
    Member,
    assert_envelope,
    assert_error,
    basic,
    ok,
)
from security.wire import WIRE_ERROR
from support import Server

MIB = 1024 * 1024
ROUTES = ["create meeting", "extend", "login"]


def two_mib_body() -> bytes:
    return json.dumps({"mediaTypes": "Voice", "subject": "x" * (2 * MIB), "auto": 0}).encode()


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A generator: httpx sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def send(server: Server, member: Member, route: str, content: bytes | Iterator[bytes]) -> httpx.Response:
    """A request that would be fine but for its body: good credentials on every route."""
    headers = {"Content-Type": "application/json"}
    params: dict[str, str] = {}
    if route == "create meeting":
        method, path = "POST", MEETINGS
        headers["X-Access-Token"] = member.access_token
    elif route == "extend":
        meeting = member.create()
        method, path = "PUT", DURATION
        params["conferenceID"] = meeting["conferenceID"]
        headers["X-Conference-Authorization"] = member.control_token(meeting)
    else:
        who = member.account
        method, path = "POST", LOGIN
        headers["Authorization"] = basic(f"{who.account}:{who.password}")
    with server.client() as c:
        request = c.build_request(method, path, params=params, headers=headers, content=content)
        if not isinstance(content, bytes):
            assert "content-length" not in request.headers
            assert request.headers["transfer-encoding"] == "chunked"
        return c.send(request)


def assert_healthy(server: Server) -> None:
    with server.client() as c:
        ok(c.get("/health"))


@pytest.mark.parametrize("route", ROUTES)
def test_two_mib_body_is_413(server: Server, cast: MakeMember, route: str) -> None:
    r = send(server, cast("sender"), route, two_mib_body())
    assert_error(r, 413, WIRE_ERROR, "Request body too large.")
    assert_healthy(server)


@pytest.mark.parametrize("route", ROUTES)
def test_two_mib_chunked_body_is_413(server: Server, cast: MakeMember, route: str) -> None:
    r = send(server, cast("sender"), route, chunks(two_mib_body()))
    assert_error(r, 413, WIRE_ERROR, "Request body too large.")
    assert_healthy(server)


def test_announced_oversized_body_is_refused_before_it_is_sent(server: Server) -> None:
    """Content-Length over the limit: 413 in the envelope without waiting for the body."""
    ctx = server.ssl_context()
    head = (
        f"POST {MEETINGS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {2 * MIB}\r\nConnection: close\r\n\r\n{{"
    ).encode()
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(head)
        answer = b""
        while b"}" not in answer.partition(b"\r\n\r\n")[2]:
            data = tls.recv(4096)
            if not data:
                break
            answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert (body["error_code"], body["error_msg"]) == (WIRE_ERROR, "Request body too large.")
    assert_healthy(server)


def test_body_just_under_the_limit_is_read(server: Server, cast: MakeMember) -> None:
    """Not refused for its size: the body is read, and the subject's bound answers instead."""
    member = cast("sender")
    body = json.dumps({"mediaTypes": "Voice", "subject": "x" * (MIB - 100)}).encode()
    assert len(body) <= MIB
    r = member.http.post(MEETINGS, content=body, headers={"Content-Type": "application/json"})
    assert_error(r, 400, "MMC.111071061", msg_contains="at `$.subject`")


def assert_refused_head(server: Server, headers: dict[str, str]) -> None:
    with server.client() as c:
        try:
            r = c.get("/health", headers=headers)
        except httpx.TransportError:
            pass  # the server may also just drop the connection: no 2xx, no 5xx
        else:
            assert 400 <= r.status_code < 500, f"expected a 4xx, got {r.status_code}"
            if r.headers.get("content-type", "").startswith("application/json"):
                assert_envelope(r, r.status_code)
    assert_healthy(server)


def test_one_mib_header_is_refused(server: Server) -> None:
    assert_refused_head(server, {"X-Big": "a" * MIB})


def test_two_hundred_headers_are_refused(server: Server) -> None:
    assert_refused_head(server, {f"X-Header-{i}": "a" for i in range(200)})


def test_hundred_kb_header_is_refused(server: Server) -> None:
    assert_refused_head(server, {"X-Big": "a" * 100_000})
