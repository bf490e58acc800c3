"""`POST /integrations/janus/events` (issue 16): Janus' sample event handler posting joins and
leaves. HTTP Basic, user `janus`, password the events secret; anything else 401 in the API's
envelope. Served on the main HTTPS listener and, since Janus' libcurl cannot be given
Overtime's private CA, on a plain-HTTP listener of its own (`--janus-events-listen`, loopback by
default). Each event is applied before the answer (`media.events`)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import socket

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import errors
from overtime.api.http import context, ok
from overtime.domain import errors as domain_errors
from overtime.media import events
from overtime.services.context import Context

log = logging.getLogger("overtime.media")

PATH = "/integrations/janus/events"
MAX_BODY = 1024 * 1024


def _credentials(header: str | None) -> tuple[str, str]:
    if not header or header[:6].lower() != "basic ":
        return "", ""
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


async def receive(
    ctx: Context, auth: events.EventsAuth | None, authorization: str | None, body: bytes
) -> int:
    """Checks the caller and applies the events; DomainError for a refusal."""
    if auth is None:
        raise domain_errors.JanusEventsUnauthorized("Overtime runs without --media janus.")
    if not auth.allows(*_credentials(authorization)):
        raise domain_errors.JanusEventsUnauthorized()
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError as e:
        raise domain_errors.InvalidParameter(f"The body is not JSON: {e}") from None
    return await events.apply(ctx, document)


async def janus_events(request: Request) -> Response:
    auth: events.EventsAuth | None = getattr(request.app.state, "janus_events", None)
    changed = await receive(
        context(request), auth, request.headers.get("authorization"), await request.body()
    )
    return ok({"changed": changed})


async def serve_events(ctx: Context, auth: events.EventsAuth, sock: socket.socket) -> asyncio.Server:
    """The route alone, in plain HTTP, on a listener of its own in the server's event loop; every
    other request is 404. One request per connection."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            lines = head.decode("latin-1").split("\r\n")
            method, _, rest = lines[0].partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            length = int(headers.get("content-length") or 0)
            if method != "POST" or path != PATH:
                status, body = (
                    404,
                    msgspec.json.encode({"error_code": "MMC.111070001", "error_msg": "Not found."}),
                )
            elif not 0 <= length <= MAX_BODY:
                status, body = (
                    413,
                    msgspec.json.encode({"error_code": "MMC.111070001", "error_msg": "Too large."}),
                )
            else:
                if headers.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await writer.drain()
                raw = await asyncio.wait_for(reader.readexactly(length), 10)
                try:
                    changed = await receive(ctx, auth, headers.get("authorization"), raw)
                    status, body = 200, msgspec.json.encode({"changed": changed})
                except domain_errors.DomainError as e:
                    status, code = errors.status_and_code(e)
                    body = msgspec.json.encode({"error_code": code, "error_msg": str(e)})
            reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 413: "Payload Too Large"}.get(
                status, "Bad Request"
            )
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        except Exception:
            # The database failed: Janus retries what was not answered 200.
            log.exception("janus events listener: the request failed")
            body = msgspec.json.encode(
                {"error_code": "MMC.111070003", "error_msg": "The events were not stored."}
            )
            writer.write(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
            )  # fmt: skip
        finally:
            writer.close()

    return await asyncio.start_server(answer, sock=sock, limit=64 * 1024)
