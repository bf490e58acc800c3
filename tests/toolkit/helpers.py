"""A member of the plugin's server driving meetings over raw HTTPS (for the journal and fault
tests, which look at exact requests)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from overtime.testing import OvertimeServer
from support.formats import basic

MEETINGS = "/v1/mmc/management/conferences"
TOKEN = "/v1/mmc/control/conferences/token"
WS_TOKEN = "/v1/mmc/control/conferences/wsToken"
DURATION = "/v1/mmc/control/conferences/duration"


class Member:
    def __init__(self, ot: OvertimeServer, account: str = "alice", *, admin: bool = False) -> None:
        self.ot = ot
        self.account, self.password = ot.add_user(account, admin=admin)
        self.http = httpx.Client(base_url=ot.url, verify=ot.ssl_context(), timeout=30)
        r = self.http.post(
            "/v1/usg/acs/auth/account",
            headers={"Authorization": basic(f"{self.account}:{self.password}")},
            json={"account": self.account, "clientType": 72},
        )
        assert r.status_code == 200, r.text
        self.token: str = r.json()["accessToken"]
        self.http.headers["X-Access-Token"] = self.token

    def create(self, **fields: Any) -> dict[str, Any]:
        r = self.http.post(MEETINGS, json={"mediaTypes": "Voice", "length": 30, **fields})
        assert r.status_code == 200, r.text
        meeting: dict[str, Any] = r.json()[0]
        return meeting

    def chair_password(self, meeting: dict[str, Any]) -> str:
        return str(next(p["password"] for p in meeting["passwordEntry"] if p["conferenceRole"] == "chair"))

    def control(self, meeting: dict[str, Any]) -> dict[str, Any]:
        """The chair's control token answer (`token`, `tmpWsToken`, ...)."""
        r = self.http.get(
            TOKEN,
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Password": self.chair_password(meeting), "X-Login-Type": "1"},
        )
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()["data"]
        return data

    @contextmanager
    def subscribe(self, meeting: dict[str, Any]) -> Iterator[ClientConnection]:
        """A meeting-control WebSocket, subscribed to the notifications."""
        control = self.control(meeting)
        cid = meeting["conferenceID"]
        host = self.ot.url.removeprefix("https://")
        url = f"wss://{host}/cms/open/websocket/confctl/increment/conn?confID={cid}&tmpToken={control['tmpWsToken']}"
        with connect(url, ssl=self.ot.ssl_context()) as ws:
            data = {
                "conferenceID": cid,
                "subscribeType": ["ConfBasicInfoNotify", "ConfDynamicInfoNotify", "ParticipantsNotify"],
                "confToken": "Basic " + base64.b64encode(control["token"].encode()).decode(),
            }
            ws.send(json.dumps({"sequence": "1", "action": "Subscribe", "data": json.dumps(data)}))
            reply = json.loads(ws.recv(10))
            assert reply["data"]["returnCode"] == 0, reply
            yield ws

    def ws_token(self, meeting: dict[str, Any], control_token: str) -> str:
        r = self.http.get(
            WS_TOKEN,
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Conference-Authorization": control_token},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["webSocketToken"]
        return token

    def extend(self, meeting: dict[str, Any], control_token: str, minutes: int) -> httpx.Response:
        return self.http.put(
            DURATION,
            params={"conferenceID": meeting["conferenceID"]},
            headers={"X-Conference-Authorization": control_token},
            json={"auto": 0, "duration": minutes},
        )

    def close(self) -> None:
        self.http.close()
