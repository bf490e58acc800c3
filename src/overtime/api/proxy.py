"""`--forwarded-allow-ips`: behind a trusted reverse proxy, the client is the one the proxy names.

Behaves as uvicorn's and gunicorn's option of the same name: a comma-separated list of IP
addresses and networks (CIDR), or `*` for every peer. When the peer of a connection is trusted,
`X-Forwarded-For` gives the client (the right-most address that is not itself a trusted proxy,
since each proxy appends the address it received the request from) and `X-Forwarded-Proto` the
scheme; from any other peer both headers are ignored. Empty (the default) trusts nobody.

One deliberate difference: an `X-Forwarded-For` entry that is not an IP address is ignored (the
peer stays the client), because the client address keys the guessing throttles and the logs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_SCHEMES = {"http", "https", "ws", "wss"}


class TrustedProxies:
    """The peers whose forwarding headers are believed."""

    def __init__(self, networks: Iterable[Network], *, everyone: bool = False) -> None:
        self.networks = tuple(networks)
        self.everyone = everyone

    @classmethod
    def parse(cls, value: str) -> TrustedProxies:
        """`"127.0.0.1, 10.0.0.0/8"`, `"*"` or `""`; ValueError naming the first bad entry."""
        entries = [e.strip() for e in value.split(",") if e.strip()]
        if "*" in entries:
            return cls((), everyone=True)
        networks: list[Network] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address, a CIDR network or *") from None
        return cls(networks)

    def __bool__(self) -> bool:
        return self.everyone or bool(self.networks)

    def trusts(self, host: str | Address) -> bool:
        if self.everyone:
            return True
        address = _address(host) if isinstance(host, str) else host
        return address is not None and any(address in network for network in self.networks)

    def client(self, forwarded_for: str) -> Address | None:
        """The client named by an `X-Forwarded-For` value that a trusted peer sent; None when
        that entry is not an IP address."""
        hosts = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if not hosts:
            return None
        if self.everyone:
            return _address(hosts[0])
        for host in reversed(hosts):
            address = _address(host)
            if address is None:
                return None
            if not self.trusts(address):
                return address
        # Every hop is trusted: the client is a trusted proxy itself; the left-most is the first.
        return _address(hosts[0])


def _address(host: str) -> Address | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ProxyHeaders:
    """Raw ASGI: rewrites `scope["client"]` (and `scope["scheme"]`) of HTTP and WebSocket
    requests whose peer is trusted, as uvicorn's ProxyHeadersMiddleware does."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer and self.trusted.trusts(peer[0]):
                scope = self._rewritten(scope)
        await self.app(scope, receive, send)

    def _rewritten(self, scope: Scope) -> Scope:
        forwarded_for: list[str] = []
        proto = ""
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").strip().lower()
        scope = dict(scope)
        if proto in _SCHEMES:
            websocket = scope["type"] == "websocket"
            scope["scheme"] = proto.replace("http", "ws") if websocket else proto.replace("ws", "http")
        if forwarded_for:
            client = self.trusted.client(",".join(forwarded_for))
            if client is not None:
                scope["client"] = (str(client), 0)
        return scope
