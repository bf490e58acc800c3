"""A real HTTPS webhook subscriber on loopback: stdlib http.server + ssl in a thread, with a
certificate from its own local CA (pass `ca` to the server with `--webhook-ca`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from overtime.tls import ensure_local_ca


@dataclass
class Callback:
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]
    status: int
    """What the receiver answered."""

    @property
    def event(self) -> str:
        event: str = self.body["eventInfo"]["event"]
        return event

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")

    def signature_ok(self, subscriber_key: str) -> bool:
        """Checks the signature over the raw `eventInfo` text exactly as sent."""
        text = self.raw.decode()
        start = text.index('"eventInfo":') + len('"eventInfo":')
        event_info = text[start:-1]
        b = self.body
        message = f"{b['appID']}{b['timestamp']}{b['nonce']}{event_info}"
        expected = hmac.new(subscriber_key.encode(), message.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, b["signature"])


@dataclass
class Receiver:
    """Answers 200 (echoing the nonce for `meeting.verify`) unless told otherwise."""

    directory: Path
    port: int = 0
    mode: str = "ok"
    """"ok"; "fail": answer 503; "wrong-nonce": answer verify with another nonce."""
    calls: list[Callback] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.tls = ensure_local_ca(self.directory, "127.0.0.1", datetime.now(UTC))

    @property
    def ca(self) -> Path:
        assert self.tls.ca is not None
        return self.tls.ca

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/openapi/meetingevent"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.loads(raw)
                event = body["eventInfo"]["event"]
                status, answer = 200, b""
                if receiver.mode == "fail":
                    status = 503
                elif event == "meeting.verify":
                    nonce = body["nonce"] if receiver.mode != "wrong-nonce" else "00000000"
                    answer = json.dumps({"event": "meeting.verify", "nonce": nonce}).encode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.calls.append(Callback(headers, raw, body, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.tls.cert, self.tls.key)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Closes the listening socket: connections are refused until `start` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- what arrived ---------------------------------------------------------------------------

    def snapshot(self) -> list[Callback]:
        with self.lock:
            return list(self.calls)

    def accepted(self, *, meeting: str | None = None) -> list[Callback]:
        """Callbacks answered 200 (verify excluded), in arrival order, optionally of one meeting."""
        return [
            c
            for c in self.snapshot()
            if c.status == 200
            and c.event != "meeting.verify"
            and (meeting is None or c.body["eventInfo"]["payload"]["meetingInfo"]["meetingID"] == meeting)
        ]

    def wait_for(self, predicate: Callable[[list[Callback]], bool], timeout: float = 20.0) -> list[Callback]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.snapshot()
            if predicate(calls):
                return calls
            time.sleep(0.05)
        raise AssertionError(f"timed out; got {[(c.event, c.status) for c in self.snapshot()]}")

    def wait_events(self, meeting: str, count: int, timeout: float = 20.0) -> list[Callback]:
        """Waits until `count` callbacks of `meeting` were accepted; returns them."""
        self.wait_for(lambda _calls: len(self.accepted(meeting=meeting)) >= count, timeout)
        return self.accepted(meeting=meeting)
