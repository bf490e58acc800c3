"""`overtime webhooks listen --forward-to URL` (issue 13 §6): a local HTTPS subscriber relaying
callbacks unchanged to an app on plain HTTP, the app's answers back (the verify handshake too)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from overtime.testing import OvertimeServer
from toolkit.helpers import Member
from webhooks.receiver import Callback

LINK = "/v1/mmc/management/webhook/link-config"
STATUS = "/v1/mmc/management/webhook/change-status"


class App:
    """The user's app: plain HTTP, answers the verify handshake itself."""

    def __init__(self) -> None:
        self.calls: list[Callback] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.loads(raw)
                answer = b""
                if body["eventInfo"]["event"] == "meeting.verify":
                    answer = json.dumps({"event": "meeting.verify", "nonce": body["nonce"]}).encode()
                app.calls.append(Callback({k.lower(): v for k, v in self.headers.items()}, raw, body, 200))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def app() -> Iterator[App]:
    a = App()
    yield a
    a.server.shutdown()
    a.server.server_close()


@pytest.fixture
def listener(app: App, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "overtime",
            "webhooks",
            "listen",
            "--forward-to",
            app.url,
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("overtime: relaying webhooks from https://127.0.0.1:"), first
        url = first.split()[4] + "hook"
        assert proc.stdout.readline().startswith("overtime: CA certificate")
        yield url, tmp_path / "listen" / "ca.pem"
    finally:
        proc.terminate()
        proc.wait(10)


def test_listen_relays_callbacks_to_a_plain_http_app(app: App, listener: tuple[str, Path]) -> None:
    url, ca = listener
    with OvertimeServer(webhook_ca=ca) as ot:
        admin = Member(ot, "ann", admin=True)
        try:
            r = admin.http.post(
                LINK, json={"subscriberId": "sub-1", "subscriberKey": "key-123456", "url": url}
            )
            assert r.status_code == 200, r.text
            r = admin.http.put(STATUS, params={"id": admin.http.get(LINK).json()["id"], "status": 0})
            assert r.status_code == 200, r.text  # the app answered the handshake, through the relay
            cid = admin.create()["conferenceID"]
            deadline = time.monotonic() + 15
            while not any(c.event == "meeting.started" for c in app.calls) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            admin.close()
    events = [c.event for c in app.calls]
    assert events[:2] == ["meeting.verify", "meeting.started"]
    started = app.calls[1]
    assert started.body["eventInfo"]["payload"]["meetingInfo"]["meetingID"] == cid
    assert started.signature_ok("key-123456")  # relayed byte for byte
    assert started.key  # the Idempotency-Key header too


def test_listen_refuses_a_bad_target(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "overtime", "webhooks", "listen", "--forward-to", "ftp://x", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "overtime: --forward-to 'ftp://x': must be an http:// or https:// URL\n"
