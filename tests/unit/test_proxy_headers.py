"""`overtime.api.proxy`: which X-Forwarded-For entry is the client, and the scope rewrite for
HTTP and WebSocket requests (the server tests in tests/security/test_forwarded.py show the
effect on the guessing throttle)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from overtime.api.proxy import ProxyHeaders, TrustedProxies


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "198.51.100.9, 203.0.113.7", "203.0.113.7"),
        ("127.0.0.1, 10.0.0.0/8", "198.51.100.9, 203.0.113.7, 10.1.2.3", "203.0.113.7"),
        ("10.0.0.0/8", "10.0.0.1, 10.0.0.2", "10.0.0.1"),
        ("*", "198.51.100.9, 203.0.113.7", "198.51.100.9"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
        ("127.0.0.1", "not-an-ip", None),
        ("127.0.0.1", "", None),
    ],
)
def test_the_client_is_the_right_most_untrusted_entry(
    trusted: str, forwarded_for: str, client: str | None
) -> None:
    found = TrustedProxies.parse(trusted).client(forwarded_for)
    assert (str(found) if found else None) == client


def test_parse_names_the_bad_entry() -> None:
    with pytest.raises(ValueError, match="'bogus' is not an IP address, a CIDR network or \\*"):
        TrustedProxies.parse("127.0.0.1, bogus")


def test_empty_trusts_nobody() -> None:
    assert not TrustedProxies.parse("")
    assert not TrustedProxies.parse("").trusts("127.0.0.1")


def _through(scope: dict[str, Any], trusted: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def app(s: Any, _receive: Any, _send: Any) -> None:
        seen.update(s)

    async def nothing(*_: Any) -> Any:
        return None

    asyncio.run(ProxyHeaders(app, TrustedProxies.parse(trusted))(scope, nothing, nothing))
    return seen


@pytest.mark.parametrize(
    ("kind", "proto", "scheme"), [("http", b"https", "https"), ("websocket", b"https", "wss")]
)
def test_a_trusted_peer_sets_client_and_scheme(kind: str, proto: bytes, scheme: str) -> None:
    scope = {
        "type": kind,
        "scheme": "http" if kind == "http" else "ws",
        "client": ("127.0.0.1", 5555),
        "headers": [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", proto)],
    }
    seen = _through(scope, "127.0.0.1")
    assert seen["client"] == ("203.0.113.7", 0)
    assert seen["scheme"] == scheme


def test_an_untrusted_peer_changes_nothing() -> None:
    scope = {
        "type": "http",
        "scheme": "http",
        "client": ("127.0.0.2", 5555),
        "headers": [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")],
    }
    assert _through(scope, "127.0.0.1") == scope
