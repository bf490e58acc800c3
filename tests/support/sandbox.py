"""A client for the sandbox API of one server (BEHAVIOUR §6): its movable clock, participants
and event ledger. Every suite that moves a sandbox clock goes through this class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from support import Server
from support.formats import wire_time

CLOCK = "/sandbox/v1/clock"
ADVANCE = "/sandbox/v1/clock/advance"
RESET = "/sandbox/v1/reset"


def participants_path(conference_id: str) -> str:
    return f"/sandbox/v1/conferences/{conference_id}/participants"


def events_path(conference_id: str) -> str:
    return f"/sandbox/v1/conferences/{conference_id}/events"


@dataclass
class Sandbox:
    """The sandbox API of one server, over `http` (any client of that server)."""

    server: Server
    http: httpx.Client

    def now(self) -> datetime:
        r = self.http.get(CLOCK)
        assert r.status_code == 200, r.text
        return datetime.fromtimestamp(r.json()["now"] / 1000, UTC)

    def advance(self, *, minutes: float = 0, seconds: float = 0) -> datetime:
        """Moves the clock forward; returns the new now."""
        r = self.http.post(ADVANCE, json={"seconds": minutes * 60 + seconds})
        assert r.status_code == 200, r.text
        return datetime.fromtimestamp(r.json()["now"] / 1000, UTC)

    def start_in(self, minutes: int) -> str:
        """A wire start time `minutes` after the sandbox clock's now (which runs ahead of the wall
        clock)."""
        return wire_time(self.now() + timedelta(minutes=minutes))

    def join(self, conference_id: str, name: str = "participant", role: int = 0, **more: Any) -> str:
        """A site joins (`more`: `number`, `video`, `password`); returns its participant id."""
        r = self.try_join(conference_id, name, role, **more)
        assert r.status_code == 200, r.text
        pid: str = r.json()["participantID"]
        return pid

    def try_join(
        self, conference_id: str, name: str = "participant", role: int = 0, **more: Any
    ) -> httpx.Response:
        return self.http.post(participants_path(conference_id), json={"name": name, "role": role, **more})

    def answer(self, conference_id: str, participant_id: str) -> None:
        r = self.http.post(f"{participants_path(conference_id)}/{participant_id}/answer")
        assert r.status_code == 200, r.text

    def decline(self, conference_id: str, participant_id: str) -> None:
        r = self.http.post(f"{participants_path(conference_id)}/{participant_id}/decline")
        assert r.status_code == 200, r.text

    def leave(self, conference_id: str, participant_id: str) -> None:
        r = self.http.delete(f"{participants_path(conference_id)}/{participant_id}")
        assert r.status_code == 200, r.text

    def events(self, conference_id: str) -> list[dict[str, Any]]:
        r = self.http.get(events_path(conference_id))
        assert r.status_code == 200, r.text
        events: list[dict[str, Any]] = r.json()
        return events
