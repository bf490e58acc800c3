"""Small wire helpers of the security suite, on top of `api.helpers`."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from api.helpers import DURATION, LOGIN, REAL_TIME_INFO, STOP
from support import Server

NOT_FOUND = "MMC.111070005"
CONTROL_TOKEN_MISSING = "MMC.111070111"
CONTROL_TOKEN_INVALID = "MMC.111070004"
CONF_AUTH_FAILED = "MMC.111072065"
CONF_LOCKED = "MMC.111072064"
ACCESS_TOKEN_INVALID = "USG.000000004"
LOGIN_FAILED = "USG.006010000"
LOGIN_LOCKED = "USG.006030015"
WIRE_ERROR = "MMC.111070001"
LOCKOUT_SECONDS = 600


def control_call(
    server: Server, operation: str, conference_id: str, headers: dict[str, str]
) -> httpx.Response:
    """One control operation ("extend", "stop" or "realTimeInfo") on a meeting, sending exactly
    `headers` (plus a JSON content type for the extension's body)."""
    params = {"conferenceID": conference_id}
    with server.client() as c:
        if operation == "extend":
            sent = {"Content-Type": "application/json", **headers}
            return c.put(DURATION, params=params, headers=sent, json={"auto": 0, "duration": 15})
        if operation == "stop":
            return c.put(STOP, params=params, headers=headers)
        if operation == "realTimeInfo":
            return c.get(REAL_TIME_INFO, params=params, headers=headers)
    raise AssertionError(f"unknown operation {operation}")


CONTROL_OPERATIONS = ["extend", "stop", "realTimeInfo"]


def login(
    server: Server, account: str, password: str, client_type: int = 72, *, client: httpx.Client | None = None
) -> httpx.Response:
    """Account/password login; `client` to send it from another client address."""
    auth = base64.b64encode(f"{account}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}"}
    body: dict[str, Any] = {"account": account, "clientType": client_type}
    if client is not None:
        return client.post(LOGIN, headers=headers, json=body)
    with server.client() as c:
        return c.post(LOGIN, headers=headers, json=body)


def client_from(server: Server, address: str) -> httpx.Client:
    """An HTTPS client whose connections leave from another loopback address (another client
    as the server sees it)."""
    transport = httpx.HTTPTransport(verify=server.ssl_context(), local_address=address)
    return httpx.Client(base_url=server.url, transport=transport, timeout=30)


def retry_after(r: httpx.Response) -> int:
    value = r.headers.get("retry-after")
    assert value is not None, f"a lock answers with Retry-After: {r.headers}"
    seconds = int(value)
    assert 0 < seconds <= LOCKOUT_SECONDS, seconds
    return seconds
