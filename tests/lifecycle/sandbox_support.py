"""A client for the sandbox API of one server (BEHAVIOUR §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from support import Server


@dataclass
class Sandbox:
    """The sandbox API of one server (BEHAVIOUR §6)."""

    server: Server
    http: httpx.Client

    def now(self) -> datetime:
        r = self.http.get("/sandbox/v1/clock")
        assert r.status_code == 200, r.text
        return datetime.fromtimestamp(r.json()["now"] / 1000, UTC)

    def advance(self, *, minutes: float = 0, seconds: float = 0) -> datetime:
        r = self.http.post("/sandbox/v1/clock/advance", json={"seconds": minutes * 60 + seconds})
        assert r.status_code == 200, r.text
        return datetime.fromtimestamp(r.json()["now"] / 1000, UTC)

    def join(self, conference_id: str, name: str = "participant", role: int = 0) -> str:
        r = self.http.post(
            f"/sandbox/v1/conferences/{conference_id}/participants", json={"name": name, "role": role}
        )
        assert r.status_code == 200, r.text
        pid: str = r.json()["participantID"]
        return pid

    def leave(self, conference_id: str, participant_id: str) -> None:
        r = self.http.delete(f"/sandbox/v1/conferences/{conference_id}/participants/{participant_id}")
        assert r.status_code == 200, r.text

    def events(self, conference_id: str) -> list[dict[str, Any]]:
        r = self.http.get(f"/sandbox/v1/conferences/{conference_id}/events")
        assert r.status_code == 200, r.text
        events: list[dict[str, Any]] = r.json()
        return events
