"""Driving a server's webhook routes and meetings for the webhook tests."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx

from api.helpers import Member, new_member, ok, wire_time
from support import Server, unique
from support.sandbox import Sandbox
from webhooks.receiver import Receiver

LINK = "/v1/mmc/management/webhook/link-config"
STATUS = "/v1/mmc/management/webhook/change-status"
MEETINGS = "/v1/mmc/management/conferences"


class Admin:
    """An enterprise admin of a corp of its own, with the corp's subscription."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.corp = unique("corp")
        self.member: Member = new_member(server, admin=True, corp=self.corp)
        self.http = self.member.http
        self.sandbox = Sandbox(server, self.http)
        self.key = "key-" + secrets.token_hex(8)
        self.subscriber = "sub-" + secrets.token_hex(4)
        self.config_id = ""

    def close(self) -> None:
        self.member.close()

    def set_config(self, url: str) -> httpx.Response:
        return self.http.post(
            LINK, json={"subscriberId": self.subscriber, "subscriberKey": self.key, "url": url}
        )

    def show(self) -> dict[str, Any]:
        body: dict[str, Any] = ok(self.http.get(LINK)).json()
        return body

    def change_status(self, status: int) -> httpx.Response:
        return self.http.put(STATUS, params={"id": self.config_id, "status": status})

    def subscribe(self, receiver: Receiver, *, enable: bool = True) -> None:
        ok(self.set_config(receiver.url))
        self.config_id = self.show()["id"]
        if enable:
            ok(self.change_status(0))
            assert self.show()["status"] == 0

    # -- meetings ------------------------------------------------------------------------------

    def sandbox_now(self) -> datetime:
        return self.sandbox.now()

    def schedule(self, **fields: Any) -> dict[str, Any]:
        start = wire_time(self.sandbox_now() + timedelta(hours=2))
        return self.member.create(startTime=start, **fields)

    def update(self, meeting: dict[str, Any], subject: str) -> None:
        body = {"mediaTypes": "Voice", "subject": subject, "length": 45, "startTime": meeting["startTime"]}
        ok(self.http.put(MEETINGS, params={"conferenceID": meeting["conferenceID"]}, json=body))

    def join(self, conference_id: str, name: str, role: int = 0) -> str:
        return self.sandbox.join(conference_id, name, role)

    def leave(self, conference_id: str, participant_id: str) -> None:
        self.sandbox.leave(conference_id, participant_id)

    def extend(self, meeting: dict[str, Any], minutes: int = 15) -> None:
        token = self.member.control_token(meeting)
        ok(self.member.extend(meeting["conferenceID"], token, {"auto": 0, "duration": minutes}))

    def set_step(self, meeting: dict[str, Any], minutes: int) -> None:
        token = self.member.control_token(meeting)
        ok(self.member.extend(meeting["conferenceID"], token, {"auto": 1, "duration": minutes}))

    def stop(self, meeting: dict[str, Any]) -> None:
        token = self.member.control_token(meeting)
        ok(self.member.stop(meeting["conferenceID"], token))

    def advance(self, seconds: float) -> None:
        self.sandbox.advance(seconds=seconds)

    def full_life(self) -> tuple[dict[str, Any], list[str]]:
        """Scheduled, edited, started by a join, extended, left, stopped; the expected events."""
        meeting = self.schedule(subject="webhooks")
        cid = meeting["conferenceID"]
        self.update(meeting, "webhooks, edited")
        pid = self.join(cid, "Ada Lovelace", role=1)
        self.extend(meeting, 15)
        self.set_step(meeting, 30)  # auto_extension_set: not delivered
        self.leave(cid, pid)
        self.stop(meeting)
        events = [
            "meeting.create",
            "meeting.modify",
            "meeting.started",
            "meeting.join",
            "meeting.prolong",
            "meeting.left",
            "meeting.end",
            "meeting.conclude",
        ]
        return meeting, events
