"""TLS 1.2 and 1.3 only (choices.md, Wire). The client below really offers TLS 1.0/1.1 (cipher
security level 0, so OpenSSL does not drop them itself): the refusal must come from the server."""

from __future__ import annotations

import socket
import ssl
import warnings

import pytest

from support import Server


def context(server: Server, lowest: ssl.TLSVersion, highest: ssl.TLSVersion) -> ssl.SSLContext:
    ctx = server.ssl_context()
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1/TLSv1_1 themselves
        ctx.minimum_version = lowest
        ctx.maximum_version = highest
    return ctx


def handshake(server: Server, ctx: ssl.SSLContext) -> tuple[str | None, bytes]:
    """Connects, asks for /health over the TLS connection; (TLS version, response head)."""
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        head = tls.recv(64)
        return tls.version(), head


@pytest.mark.parametrize(
    ("lowest", "highest"),
    [
        (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1),
        (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_1),
        (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1),
    ],
    ids=["TLSv1.0", "TLSv1.1", "TLSv1.0-1.1"],
)
def test_old_tls_is_refused(server: Server, lowest: ssl.TLSVersion, highest: ssl.TLSVersion) -> None:
    with pytest.raises(ssl.SSLError) as refused:
        handshake(server, context(server, lowest, highest))
    # An alert from the server, not "no protocols/ciphers available" on our side.
    assert "ALERT" in (refused.value.reason or "").upper(), refused.value


@pytest.mark.parametrize(
    ("version", "name"),
    [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")],
    ids=["TLSv1.2", "TLSv1.3"],
)
def test_modern_tls_is_accepted(server: Server, version: ssl.TLSVersion, name: str) -> None:
    negotiated, head = handshake(server, context(server, version, version))
    assert negotiated == name
    assert head.startswith(b"HTTP/1.1 200"), head
