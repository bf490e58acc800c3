"""A real Janus for the media tests (issue 16): Debian's `janus` started with configuration the
harness writes (`overtime.media.janus_config`: only the video-room plugin, the HTTP transport and
the sample event handler) on free ports, its events posted to an Overtime server's plain-HTTP
events listener; and `Peer`, a participant joining a room over Janus' own HTTP API, without
media. Without `janus` installed the tests skip, except with CI=true, where they fail."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from overtime.media.janus_config import JanusConfig
from support import free_port, stop_process

JANUS = "/usr/bin/janus"


def require_janus() -> None:
    if shutil.which("janus") or Path(JANUS).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("janus is not installed (apt-get install janus; .ci/run does)")
    pytest.skip("janus is not installed (apt-get install janus)")


@dataclass
class Janus:
    directory: Path
    events_url: str
    events_secret: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/janus"

    def start(self) -> None:
        config = JanusConfig(
            http_port=self.port,
            events_url=self.events_url,
            events_secret=self.events_secret,
            modules_dir=self.directory / "modules",
        )
        config.write(self.directory / "config")
        log = open(self.directory / "janus.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [shutil.which("janus") or JANUS, "-F", str(self.directory / "config"),
             "-C", str(self.directory / "config" / "janus.jcfg"), "--disable-colors"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"janus exited: {(self.directory / 'janus.log').read_text()}")
            try:
                if httpx.get(f"{self.url}/info", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"janus not ready: {(self.directory / 'janus.log').read_text()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    # -- Janus' own HTTP API, as a client or an operator would use it -----------------------------

    def admin(self) -> Peer:
        """A session with a video-room handle, for the synchronous requests (`exists`, ...)."""
        return Peer(self)

    def exists(self, room: str) -> bool:
        with self.admin() as peer:
            return bool(peer.request({"request": "exists", "room": int(room)}).get("exists"))

    def displays(self, room: str) -> list[str]:
        """Who is in the room, by display name (`listparticipants`); [] for no room."""
        with self.admin() as peer:
            data = peer.request({"request": "listparticipants", "room": int(room)})
            return sorted(p.get("display", "") for p in data.get("participants", []))


class Peer:
    """One Janus session and video-room handle; `join` as a publisher without media."""

    def __init__(self, janus: Janus) -> None:
        self.janus = janus
        self.http = httpx.Client(timeout=10)
        self.session = self._post("", {"janus": "create"})["data"]["id"]
        self.handle = self._post(f"/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})[
            "data"
        ]["id"]
        self.id: int | None = None

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.post(
            self.janus.url + path, json={**body, "transaction": os.urandom(6).hex()}
        ).json()
        assert answer.get("janus") != "error", answer
        return answer

    def request(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._post(f"/{self.session}/{self.handle}", {"janus": "message", "body": body})
        data: dict[str, Any] = answer["plugindata"]["data"]
        return data

    def next_event(self, timeout: float = 5) -> dict[str, Any]:
        """The next asynchronous event of this session (long poll)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer: dict[str, Any] = self.http.get(
                f"{self.janus.url}/{self.session}?maxev=1", timeout=timeout + 5
            ).json()
            if answer.get("janus") == "event":
                return answer
        raise AssertionError("no event from Janus")

    def join(self, room: str, pin: str, display: str) -> dict[str, Any]:
        """Joins as a publisher without media; Janus' answer (`joined`, or an error)."""
        self._post(
            f"/{self.session}/{self.handle}",
            {"janus": "message", "body": {"request": "join", "ptype": "publisher", "room": int(room),
                                          "pin": pin, "display": display}},
        )  # fmt: skip
        data: dict[str, Any] = self.next_event()["plugindata"]["data"]
        if data.get("videoroom") == "joined":
            self.id = int(data["id"])
        return data

    def events_until(self, found: Callable[[dict[str, Any]], bool], timeout: float = 5) -> dict[str, Any]:
        """Reads this session's events (any kind: `webrtcup`, `media`, plugin events) until one
        `found` accepts; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer: dict[str, Any] = self.http.get(
                f"{self.janus.url}/{self.session}?maxev=1", timeout=timeout + 5
            ).json()
            if found(answer):
                return answer
        raise AssertionError("no such event from Janus")

    def leave(self) -> None:
        self._post(f"/{self.session}/{self.handle}", {"janus": "message", "body": {"request": "leave"}})

    def close(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            self.http.post(
                f"{self.janus.url}/{self.session}", json={"janus": "destroy", "transaction": "bye"}
            )
        self.http.close()


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """`check()`'s first truthy value within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"not within {timeout} s"
            return value
        time.sleep(0.05)


class AudioPublisher(Peer):
    """A participant that publishes real audio (Opus, aiortc's silence track) over WebRTC on
    loopback: Janus' `published` event then names its audio stream's `mid`, and a `moderate`
    of that stream reaches this publisher as a `moderation` event."""

    def __init__(self, janus: Janus) -> None:
        super().__init__(janus)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.pc: Any = None

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(20)

    def publish(self) -> None:
        """Publishes audio once joined; returns when Janus reports the PeerConnection up."""
        from aiortc import RTCPeerConnection, RTCSessionDescription
        from aiortc.mediastreams import AudioStreamTrack

        async def offer() -> str:
            self.pc = RTCPeerConnection()
            self.pc.addTrack(AudioStreamTrack())
            await self.pc.setLocalDescription(await self.pc.createOffer())
            sdp: str = self.pc.localDescription.sdp
            return sdp

        sdp = self._run(offer())
        self._post(
            f"/{self.session}/{self.handle}",
            {"janus": "message", "body": {"request": "publish", "audio": True},
             "jsep": {"type": "offer", "sdp": sdp, "trickle": False}},
        )  # fmt: skip
        answer = self.events_until(lambda e: "jsep" in e)
        self._run(
            self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["jsep"]["sdp"], type="answer"))
        )
        self.events_until(lambda e: e.get("janus") == "webrtcup", timeout=10)

    def close(self) -> None:
        if self.pc is not None:
            self._run(self.pc.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        super().close()


@dataclass(frozen=True)
class Running:
    """A running meeting whose Janus room Overtime has made: its conference, guest password (the
    room's pin) and a chair control token."""

    conf: Any
    cid: str
    guest: str
    token: str


def running_room(client: Any, janus: Janus, *, length: int = 30) -> Running:
    """Creates an instant meeting through the SDK and waits until its room exists in Janus."""
    from support.sdk import control_token, create, password

    conf = create(client, length=length)
    cid = conf.conference_id
    token = control_token(client, conf).token
    eventually(lambda: janus.exists(cid))  # Overtime made the room: its events count
    return Running(conf, cid, password(conf, "general"), token)
