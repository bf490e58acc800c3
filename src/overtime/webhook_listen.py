"""`overtime webhooks listen --forward-to URL`: a local HTTPS webhook subscriber that relays every
callback, byte for byte with its headers, to your app (plain HTTP is fine, e.g. a development
server on localhost), and relays the app's answer back. Signatures stay valid, the
`meeting.verify` handshake is your app's to answer, and a failing app makes Overtime retry.

Its certificate comes from a CA of its own under DATA_DIR/listen; start the server with
`--webhook-ca DATA_DIR/listen/ca.pem` (or `OvertimeServer(webhook_ca=...)`) and point the
subscription (`POST /v1/mmc/management/webhook/link-config`) at the URL it prints."""

from __future__ import annotations

import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from overtime.domain.clock import SystemClock
from overtime.tls import ensure_local_ca

MAX_BODY = 1024 * 1024
FORWARDED_HEADERS = ("content-type", "idempotency-key", "x-request-id")


def _describe(raw: bytes) -> str:
    try:
        info = json.loads(raw).get("eventInfo", {})
        meeting = (info.get("payload") or {}).get("meetingInfo") or {}
        return f"{info.get('event', '?')} {meeting.get('meetingID', '')}".strip()
    except (ValueError, AttributeError):
        return "(not a callback)"


def serve(forward_to: str, *, host: str, port: int, directory: Path) -> None:
    """Relays until interrupted."""
    tls_files = ensure_local_ca(directory, host, SystemClock().now())
    client = httpx.Client(timeout=30, trust_env=False, follow_redirects=False)

    class Relay(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_error(413)
                return
            raw = self.rfile.read(length)
            headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED_HEADERS}
            try:
                answer = client.post(forward_to, content=raw, headers=headers)
                status, body = answer.status_code, answer.content[:MAX_BODY]
                kind = answer.headers.get("content-type", "application/json")
            except httpx.HTTPError as e:
                status, body, kind = 502, f"forwarding failed: {type(e).__name__}".encode(), "text/plain"
            print(f"overtime: {_describe(raw)} -> {forward_to}: {status}", flush=True)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Relay)
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"overtime: relaying webhooks from https://{shown}:{server.server_address[1]}/ to {forward_to}\n"
        f"overtime: CA certificate (for overtime serve --webhook-ca): {tls_files.ca}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        client.close()
        sys.stdout.flush()
