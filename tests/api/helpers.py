"""Wire helpers for the HTTP-level tests: a logged-in account that creates meetings and drives
them, plus assertions on the error envelope. Everything goes over real HTTPS to a real server."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from support import Account, Server
from support.formats import basic as basic
from support.formats import now_ms as now_ms
from support.formats import parse_wire_time as parse_wire_time
from support.formats import wire_time as wire_time

MEETINGS = "/v1/mmc/management/conferences"
DETAIL = "/v1/mmc/management/conferences/confDetail"
HISTORY = "/v1/mmc/management/conferences/history"
ACTIVATE = "/v1/mmc/management/conferences/start"
CONTROL_TOKEN = "/v1/mmc/control/conferences/token"
DURATION = "/v1/mmc/control/conferences/duration"
STOP = "/v1/mmc/control/conferences/stop"
REAL_TIME_INFO = "/v1/mmc/control/conferences/realTimeInfo"
LOGIN = "/v1/usg/acs/auth/account"
TOKEN = "/v1/usg/acs/token"
VALIDATE = "/v1/usg/acs/token/validate"


def assert_error(
    r: httpx.Response, status: int, code: str, msg: str | None = None, *, msg_contains: str | None = None
) -> None:
    """The documented error envelope: HTTP status plus {"error_code", "error_msg"}. Pass the
    exact `msg` the client sees, or `msg_contains` for a message with a variable part (a JSON
    parser's position, a network error's wording)."""
    assert r.status_code == status, f"expected {status} {code}, got {r.status_code}: {r.text}"
    body = r.json()
    assert isinstance(body, dict), body
    assert body.get("error_code") == code, body
    assert isinstance(body.get("error_msg"), str) and body["error_msg"], body
    if msg is not None:
        assert body["error_msg"] == msg, body
    if msg_contains is not None:
        assert msg_contains in body["error_msg"], body
    assert r.headers.get("x-request-id"), "every response carries X-Request-Id"


def ok(r: httpx.Response) -> httpx.Response:
    """Asserts a 200, showing the body when it is not."""
    assert r.status_code == 200, f"expected 200, got {r.status_code}: {r.text}"
    return r


def assert_envelope(r: httpx.Response, status: int) -> dict[str, Any]:
    """An error in the envelope whose code we do not pin down; never a 5xx."""
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
    body = r.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error_code"), str) and body["error_code"], body
    assert isinstance(body.get("error_msg"), str), body
    assert r.headers.get("x-request-id"), "every response carries X-Request-Id"
    return body


def future_start(minutes: int = 120) -> str:
    """A scheduled start time well after the current minute."""
    return wire_time(datetime.now(UTC) + timedelta(minutes=minutes))


def password_of(meeting: dict[str, Any], role: str) -> str:
    """`role` is "chair" or "general", as in `passwordEntry`."""
    for entry in meeting["passwordEntry"]:
        if entry["conferenceRole"] == role:
            password: str = entry["password"]
            return password
    raise AssertionError(f"no {role} password in {meeting['passwordEntry']}")


@dataclass
class Member:
    """One logged-in account and an HTTPS client that sends its access token."""

    server: Server
    account: Account
    access_token: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = self.server.client(headers={"X-Access-Token": self.access_token})

    def close(self) -> None:
        self.http.close()

    # -- management ----------------------------------------------------------------------------

    def create_raw(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(MEETINGS, json=body)

    def create(self, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"mediaTypes": "Voice", "subject": "api test", "length": 30}
        body.update(fields)
        r = self.create_raw(body)
        assert r.status_code == 200, r.text
        created = r.json()
        assert isinstance(created, list) and len(created) == 1, created
        meeting: dict[str, Any] = created[0]
        return meeting

    def detail_raw(self, conference_id: str) -> httpx.Response:
        return self.http.get(DETAIL, params={"conferenceID": conference_id})

    def detail(self, conference_id: str) -> dict[str, Any]:
        r = self.detail_raw(conference_id)
        assert r.status_code == 200, r.text
        info: dict[str, Any] = r.json()["conferenceData"]
        return info

    def end_time(self, conference_id: str) -> datetime:
        return parse_wire_time(self.detail(conference_id)["endTime"])

    def list_raw(self, **params: Any) -> httpx.Response:
        return self.http.get(MEETINGS, params=params)

    def list_ids(self, **params: Any) -> list[str]:
        params.setdefault("limit", 500)
        r = self.list_raw(**params)
        assert r.status_code == 200, r.text
        return [m["conferenceID"] for m in r.json()["data"]]

    def history(self, conference_id: str) -> list[dict[str, Any]]:
        """History records of one meeting, from a window around now."""
        day = 24 * 3600 * 1000
        r = self.http.get(
            HISTORY,
            params={"startDate": now_ms() - day, "endDate": now_ms() + day, "limit": 500},
        )
        assert r.status_code == 200, r.text
        return [m for m in r.json()["data"] if m["conferenceID"] == conference_id]

    # -- control -------------------------------------------------------------------------------

    def token_raw(
        self, conference_id: str, password: str | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"X-Login-Type": "1"}
        if password is not None:
            headers["X-Password"] = password
        if token is not None:
            headers["X-Conference-Authorization"] = token
        return control_token_request(self.server, conference_id, headers)

    def control_token(self, meeting: dict[str, Any], role: str = "chair") -> str:
        r = self.token_raw(meeting["conferenceID"], password_of(meeting, role))
        assert r.status_code == 200, r.text
        token: str = r.json()["data"]["token"]
        return token

    def extend(
        self,
        conference_id: str,
        token: str | None,
        body: Any = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return extend(self.server, conference_id, token, body, content=content, headers=headers)

    def stop(self, conference_id: str, token: str) -> httpx.Response:
        with self.server.client() as c:
            return c.put(
                STOP,
                params={"conferenceID": conference_id},
                headers={"X-Conference-Authorization": token},
            )


def is_running(member: Member, conference_id: str) -> bool:
    """True while the meeting runs; False once it has ended (its detail is then "not found")."""
    r = member.detail_raw(conference_id)
    if r.status_code != 200:
        assert_error(r, 400, "MMC.111070005", "Meeting does not exist.")
        return False
    return bool(r.json()["conferenceData"]["conferenceState"] == "Created")


def control_token_request(server: Server, conference_id: str, headers: dict[str, str]) -> httpx.Response:
    with server.client() as c:
        return c.get(CONTROL_TOKEN, params={"conferenceID": conference_id}, headers=headers)


def extend(
    server: Server,
    conference_id: str,
    token: str | None,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """PUT .../duration with a control token (None: no X-Conference-Authorization header).
    `body` is sent as JSON unless `content` gives the raw bytes."""
    sent = {"Content-Type": "application/json"}
    if token is not None:
        sent["X-Conference-Authorization"] = token
    sent.update(headers or {})
    raw = content if content is not None else json.dumps(body).encode()
    with server.client() as c:
        return c.put(DURATION, params={"conferenceID": conference_id}, headers=sent, content=raw)


def new_member(server: Server, *, admin: bool = False, corp: str = "corp-test") -> Member:
    account = server.add_user(admin=admin, corp=corp)
    return Member(server, account, server.login(account))


MakeMember = Callable[..., Member]
"""The `make_member` / `make_own_member` / `cast` fixtures: `(admin=..., corp=...) -> Member`."""
