"""The listening socket, bound before anything is announced, and granian serving on it.

granian binds its own socket with SO_REUSEPORT, so a second server on a busy port would share it
with the first (the kernel splitting connections between two servers with different databases
and CAs). Overtime binds the socket itself, without SO_REUSEPORT, and hands it to granian: a busy
address is refused at start, and no later server can share this one's port either."""

from __future__ import annotations

import errno
import socket
from typing import Any

from granian import _granian
from granian.server.embed import Server

from overtime.settings import CliError, UsageError

BACKLOG = 1024


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); CliError naming the address when it cannot be."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        if e.errno == socket.EAI_AGAIN:
            raise CliError(f"--host {host}: cannot be resolved now ({e.strerror})") from None
        raise UsageError(
            f"--host {host}: not an address or a host name of this machine ({e.strerror})"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # SO_REUSEADDR (as servers do) rebinds at once after a restart; never SO_REUSEPORT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as e:
        sock.close()
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if e.errno == errno.EADDRINUSE:
            raise CliError(f"{shown}: address already in use (is another server running there?)") from None
        raise CliError(f"{shown}: cannot listen ({e.strerror})") from None
    return sock


class SocketServer(Server):
    """granian's embedded server on a socket bound by `listen` (it owns the socket from here)."""

    def __init__(self, target: Any, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(target, address=host, port=port, backlog=BACKLOG, **kwargs)
        self._listen_fd = sock.detach()

    def _init_shared_socket(self) -> None:
        # What granian does off Linux (one socket shared by the workers), with our socket.
        # SocketHolder(fd, is_uds, backlog) is how granian unpickles one; its stub omits it.
        holder: Any = _granian.SocketHolder
        self._ssp = None
        self._shd = holder(self._listen_fd, False, self.backlog)
        self._sfd = self._listen_fd  # type: ignore[assignment]


def https_server(app: Any, sock: socket.socket, cert: Any, key: Any) -> SocketServer:
    """granian serving `app` over TLS on `sock`, as every Overtime server does (`overtime serve`,
    `overtime.testing.OvertimeServer`)."""
    from granian.constants import HTTPModes, Interfaces, SSLProtocols
    from granian.http import HTTP1Settings

    from overtime import logs

    return SocketServer(
        app,
        sock,
        interface=Interfaces.ASGI,
        ssl_cert=cert,
        ssl_key=key,
        ssl_protocol_min=SSLProtocols.tls12,
        # HTTP/1.1 only: granian's header timeout then also closes a connection that finished
        # TLS and never sent a byte (in auto mode such a connection stays open for ever), and
        # the read buffer bounds request headers to 64 KiB (431 beyond).
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=10_000, max_buffer_size=64 * 1024),
        log_level="warning",
        log_dictconfig=logs.granian_config(),  # no "experimental" notice at start
    )
