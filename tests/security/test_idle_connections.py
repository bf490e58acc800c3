"""Idle and half-open connections are closed by the server within a bound, so that a client
cannot hold connections (and their memory) open by saying nothing or too little.

All kinds of connection are opened at once and watched for IDLE_BOUND_S seconds, once per
server (module-scoped), so the whole module costs about one bound per backend."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import Server

IDLE_BOUND_S = 45.0
"""What we hold the server to. Measured with granian's defaults: 10 s for a TCP connection that
never starts TLS, 30 s (HTTP1Settings.header_read_timeout) for an unfinished request head and
for an idle keep-alive connection."""

TRICKLE_EVERY_S = 5.0


def _connect(server: Server) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    ctx = ssl.create_default_context(cafile=str(server.ca_path))
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def _closed_within(
    sock: socket.socket, started: float, trickle: Callable[[], None] | None = None
) -> float | None:
    """Seconds from `started` until the server closed the connection; None if it was still open
    at the bound. With `trickle`, keeps sending a little every TRICKLE_EVERY_S meanwhile."""
    try:
        while (left := started + IDLE_BOUND_S - time.monotonic()) > 0:
            sock.settimeout(min(left, TRICKLE_EVERY_S))
            try:
                if not sock.recv(65536):
                    return time.monotonic() - started
            except TimeoutError:
                if trickle is not None:
                    trickle()
        return None
    except (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
        return time.monotonic() - started
    finally:
        sock.close()


def tcp_without_tls(server: Server) -> float | None:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return _closed_within(sock, time.monotonic())


def tls_then_nothing(server: Server) -> float | None:
    tls = _connect(server)
    return _closed_within(tls, time.monotonic())


def half_a_request_line(server: Server) -> float | None:
    tls = _connect(server)
    tls.sendall(b"GET /health HTT")
    return _closed_within(tls, time.monotonic())


def unfinished_headers(server: Server) -> float | None:
    tls = _connect(server)
    tls.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return _closed_within(tls, time.monotonic())


def trickled_headers(server: Server) -> float | None:
    """A slow-loris client: one more header line every few seconds, never the end of the head."""
    tls = _connect(server)
    tls.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return _closed_within(tls, time.monotonic(), lambda: tls.sendall(b"X-Slow: 1\r\n"))


def idle_after_a_response(server: Server) -> float | None:
    tls = _connect(server)
    tls.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b'{"status":"ok"}' not in answer:
        data = tls.recv(65536)
        assert data, f"closed before the response was complete: {answer!r}"
        answer += data
    assert answer.startswith(b"HTTP/1.1 200"), answer
    return _closed_within(tls, time.monotonic())


KINDS: dict[str, Callable[[Server], float | None]] = {
    "tcp without tls": tcp_without_tls,
    "tls then nothing": tls_then_nothing,
    "half a request line": half_a_request_line,
    "unfinished headers": unfinished_headers,
    "trickled headers": trickled_headers,
    "idle after a response": idle_after_a_response,
}


@pytest.fixture(scope="module")
def closed_after(server: Server) -> dict[str, float | None]:
    """For each kind: seconds until the server closed it, or None (still open at the bound)."""
    with ThreadPoolExecutor(len(KINDS)) as pool:
        futures = {kind: pool.submit(probe, server) for kind, probe in KINDS.items()}
        return {kind: future.result() for kind, future in futures.items()}


def assert_closed(closed_after: dict[str, float | None], kind: str, server: Server) -> None:
    seconds = closed_after[kind]
    assert seconds is not None, f"{kind}: still open after {IDLE_BOUND_S:.0f} s"
    assert seconds <= IDLE_BOUND_S
    # The server is none the worse for it.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        ctx = ssl.create_default_context(cafile=str(server.ca_path))
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert tls.recv(64).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(
    "kind",
    [
        "tcp without tls",
        "half a request line",
        "unfinished headers",
        "trickled headers",
        "idle after a response",
    ],
)
def test_idle_connection_is_closed(closed_after: dict[str, float | None], kind: str, server: Server) -> None:
    assert_closed(closed_after, kind, server)


def test_silent_tls_connection_is_closed(closed_after: dict[str, float | None], server: Server) -> None:
    assert_closed(closed_after, "tls then nothing", server)
