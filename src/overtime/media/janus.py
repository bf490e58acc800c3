"""A client of Janus' HTTP API for the video-room plugin: one session and one plugin handle,
made again when Janus forgot them (a restart, the session timeout); each request is a plugin
message answered synchronously (`create`, `destroy`, `edit`, `exists`, `list`, `kick`,
`moderate`, ...). Errors come back as `JanusError` with Janus' own code."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

PLUGIN = "janus.plugin.videoroom"
NO_SUCH_SESSION = 458
NO_SUCH_HANDLE = 459
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428
UNAUTHORIZED = 433


class JanusError(Exception):
    """Janus answered with an error (`code` its own, 0 for a transport failure)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus {code}: {reason}" if code else reason)
        self.code = code
        self.reason = reason


def _transaction() -> str:
    return secrets.token_hex(8)


class JanusClient:
    def __init__(self, url: str, *, timeout: float = 5.0, client: httpx.AsyncClient | None = None) -> None:
        self.url = url.rstrip("/")
        self._http = client or httpx.AsyncClient(timeout=timeout, trust_env=False)
        self._session: int | None = None
        self._handle: int | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            r = await self._http.post(self.url + path, json={**body, "transaction": _transaction()})
        except httpx.HTTPError as e:
            raise JanusError(0, f"{type(e).__name__}: {e}".strip(": ")) from None
        try:
            answer: dict[str, Any] = r.json()
        except ValueError:
            raise JanusError(0, f"HTTP {r.status_code}: not JSON") from None
        if answer.get("janus") == "error":
            error = answer.get("error") or {}
            raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
        return answer

    async def info(self) -> dict[str, Any]:
        try:
            r = await self._http.get(self.url + "/info")
            info: dict[str, Any] = r.json()
        except (httpx.HTTPError, ValueError) as e:
            raise JanusError(0, f"{type(e).__name__}: {e}".strip(": ")) from None
        return info

    async def _attach(self) -> tuple[int, int]:
        if self._session is None or self._handle is None:
            session = int((await self._post("", {"janus": "create"}))["data"]["id"])
            handle = int(
                (await self._post(f"/{session}", {"janus": "attach", "plugin": PLUGIN}))["data"]["id"]
            )
            self._session, self._handle = session, handle
        return self._session, self._handle

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """One synchronous video-room request; its `plugindata.data`, or JanusError (the plugin's
        `error_code` too)."""
        for attempt in (1, 2):
            session, handle = await self._attach()
            try:
                answer = await self._post(f"/{session}/{handle}", {"janus": "message", "body": body})
            except JanusError as e:
                if e.code in (NO_SUCH_SESSION, NO_SUCH_HANDLE) and attempt == 1:
                    self._session = self._handle = None
                    continue
                raise
            data: dict[str, Any] = (answer.get("plugindata") or {}).get("data") or {}
            if "error_code" in data:
                raise JanusError(int(data["error_code"]), str(data.get("error", "")))
            return data
        raise AssertionError("unreachable")

    async def keepalive(self) -> None:
        """Keeps the session alive between requests (Janus ends it after 60 s of silence)."""
        if self._session is not None:
            try:
                await self._post(f"/{self._session}", {"janus": "keepalive"})
            except JanusError:
                self._session = self._handle = None

    # -- the video-room requests Overtime makes ---------------------------------------------------

    async def rooms(self) -> set[int]:
        data = await self.request({"request": "list"})
        return {int(r["room"]) for r in data.get("list", [])}

    async def create(self, room: int, *, secret: str, pin: str, description: str) -> None:
        await self.request(
            {
                "request": "create",
                "room": room,
                "secret": secret,
                "pin": pin,
                "description": description,
                "is_private": True,
                "publishers": 100,
                "permanent": False,
            }
        )

    async def destroy(self, room: int, *, secret: str) -> None:
        await self.request({"request": "destroy", "room": room, "secret": secret, "permanent": False})

    async def set_pin(self, room: int, *, secret: str, pin: str) -> None:
        await self.request({"request": "edit", "room": room, "secret": secret, "new_pin": pin})

    async def kick(self, room: int, participant: int, *, secret: str) -> None:
        await self.request({"request": "kick", "room": room, "secret": secret, "id": participant})

    async def participants(self, room: int) -> list[dict[str, Any]]:
        data = await self.request({"request": "listparticipants", "room": room})
        found: list[dict[str, Any]] = data.get("participants", [])
        return found

    async def moderate(self, room: int, participant: int, mid: str, *, secret: str, mute: bool) -> None:
        await self.request(
            {
                "request": "moderate",
                "room": room,
                "secret": secret,
                "id": participant,
                "mid": mid,
                "mute": mute,
            }
        )

    async def exists(self, room: int) -> bool:
        data = await self.request({"request": "exists", "room": room})
        return bool(data.get("exists"))
