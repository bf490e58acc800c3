"""Behind a reverse proxy (issue 9): with `--forwarded-allow-ips`, a trusted peer's
`X-Forwarded-For` names the client, so the guessing throttle locks the guesser only, not every
client behind the proxy; from any other peer, and without the option, the header is ignored.
The real server on loopback plays the proxy (127.0.0.1) and an untrusted peer (127.0.0.2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.helpers import CONTROL_TOKEN, assert_error, new_member, ok, password_of
from security.wire import CONF_AUTH_FAILED, CONF_LOCKED, client_from, retry_after
from support import Server, ServerFactory

GUESSER = "203.0.113.7"
NEIGHBOUR = "198.51.100.9"
UNTRUSTED_PEER = "127.0.0.2"


@pytest.fixture
def behind_proxy(make_server: ServerFactory, tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own that trusts the proxy at 127.0.0.1."""
    srv = make_server(tmp_path / "server", ["--forwarded-allow-ips", "127.0.0.1"])
    yield srv
    srv.stop()


def new_meeting(server: Server) -> dict[str, Any]:
    host = new_member(server)
    try:
        return host.create()
    finally:
        host.close()


def token_request(
    client: httpx.Client, meeting: dict[str, Any], password: str, forwarded_for: str | None
) -> httpx.Response:
    headers = {"X-Password": password, "X-Login-Type": "1"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return client.get(CONTROL_TOKEN, params={"conferenceID": meeting["conferenceID"]}, headers=headers)


def guess_five_times(client: httpx.Client, meeting: dict[str, Any], forwarded_for: str | list[str]) -> None:
    wrong = "9" + password_of(meeting, "chair")
    for i in range(5):
        each = forwarded_for if isinstance(forwarded_for, str) else forwarded_for[i]
        assert_error(token_request(client, meeting, wrong, each), 400, CONF_AUTH_FAILED)


def assert_locked(r: httpx.Response) -> None:
    assert_error(r, 429, CONF_LOCKED)
    retry_after(r)


def assert_token(r: httpx.Response) -> None:
    assert ok(r).json()["data"]["role"] == 1


def test_the_guesser_behind_the_proxy_is_locked_and_nobody_else(behind_proxy: Server) -> None:
    meeting = new_meeting(behind_proxy)
    chair = password_of(meeting, "chair")
    with behind_proxy.client() as proxy:
        guess_five_times(proxy, meeting, GUESSER)

        assert_locked(token_request(proxy, meeting, chair, GUESSER))
        assert_token(token_request(proxy, meeting, chair, NEIGHBOUR))
        assert_token(token_request(proxy, meeting, chair, None))  # the proxy itself


def test_a_guesser_cannot_escape_by_prepending_addresses(behind_proxy: Server) -> None:
    meeting = new_meeting(behind_proxy)
    """The proxy appends the address it saw; what the client wrote before it is not believed."""
    chair = password_of(meeting, "chair")
    with behind_proxy.client() as proxy:
        guess_five_times(proxy, meeting, [f"10.9.9.{i}, {GUESSER}" for i in range(5)])

        assert_locked(token_request(proxy, meeting, chair, f"{NEIGHBOUR}, {GUESSER}"))
        assert_token(token_request(proxy, meeting, chair, NEIGHBOUR))


def test_the_header_from_an_untrusted_peer_is_ignored(behind_proxy: Server) -> None:
    meeting = new_meeting(behind_proxy)
    chair = password_of(meeting, "chair")
    with client_from(behind_proxy, UNTRUSTED_PEER) as stranger:
        guess_five_times(stranger, meeting, [f"192.0.2.{i}" for i in range(5)])

        assert_locked(token_request(stranger, meeting, chair, NEIGHBOUR))
    with behind_proxy.client() as proxy:
        assert_token(token_request(proxy, meeting, chair, NEIGHBOUR))


def test_without_the_option_the_header_is_ignored(own_server: Server) -> None:
    meeting = new_meeting(own_server)
    chair = password_of(meeting, "chair")
    with own_server.client() as c:
        guess_five_times(c, meeting, [f"192.0.2.{i}" for i in range(5)])

        assert_locked(token_request(c, meeting, chair, NEIGHBOUR))
    with client_from(own_server, UNTRUSTED_PEER) as elsewhere:
        assert_token(token_request(elsewhere, meeting, chair, NEIGHBOUR))
