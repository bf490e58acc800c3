"""Sandbox routes of the testing toolkit (issue 13): the per-test wipe, the request journal (list
and Server-Sent Events stream) and the fault rules. Mounted only with `overtime serve --sandbox`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from overtime.api import sandbox_seed, wire
from overtime.api.errors import WireError
from overtime.api.faults import MAX_RULES, Faults, RuleBody, TooManyRules
from overtime.api.http import context, ok
from overtime.api.journal import Filter, Journal, StreamFilter, TooManyReaders
from overtime.api.query import parse_query
from overtime.domain import errors
from overtime.domain.clock import to_ms
from overtime.scheduler.deadlines import Scheduler
from overtime.services import toolkit

INVALID = "MMC.111071061"


def _journal(request: Request) -> Journal:
    journal: Journal = request.app.state.journal
    return journal


def _faults(request: Request) -> Faults:
    faults: Faults = request.app.state.faults
    return faults


async def wipe(request: Request) -> Response:
    scheduler: Scheduler = request.app.state.scheduler
    await toolkit.wipe_all(context(request), scheduler.lock)
    _journal(request).clear()
    _faults(request).reset()
    sandbox_seed.unseed()
    return ok()


async def list_requests(request: Request) -> Response:
    found = _journal(request).select(parse_query(request, Filter))
    return ok({"count": len(found), "data": found})


async def stream_requests(request: Request) -> Response:
    """Server-Sent Events: the matching entries already kept, then each new one as it comes
    (`event: request`, `id:` the entry id, `data:` the entry); ends after `timeout` seconds."""
    f = parse_query(request, StreamFilter)
    journal = _journal(request)
    try:
        queue = journal.subscribe()
    except TooManyReaders:
        raise WireError(429, "MMC.111070001", "Too many journal streams open.") from None
    backlog = journal.select(f)

    async def events() -> AsyncIterator[dict[str, str]]:
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + f.timeout
            last = 0
            for entry in backlog:
                last = entry.id
                yield {"event": "request", "id": str(entry.id), "data": msgspec.json.encode(entry).decode()}
            while (left := deadline - loop.time()) > 0:
                try:
                    item = await asyncio.wait_for(queue.get(), left)
                except TimeoutError:
                    break
                if item is None:  # fell too far behind, or the server is stopping
                    yield {"event": "end", "data": "stream closed by the server"}
                    break
                if item.id > last and f.matches(item):
                    yield {
                        "event": "request",
                        "id": str(item.id),
                        "data": msgspec.json.encode(item).decode(),
                    }
        finally:
            journal.unsubscribe(queue)

    return EventSourceResponse(events(), ping=15)


async def add_fault(request: Request) -> Response:
    body = wire.decode(await request.body(), RuleBody)
    try:
        rule = _faults(request).add(body, to_ms(context(request).clock.now()))
    except TooManyRules:
        raise errors.InvalidParameter(f"At most {MAX_RULES} fault rules; delete some first.") from None
    except ValueError as e:
        raise errors.InvalidParameter(f"Parameter validation failed: {e}") from None
    return ok(rule.public())


async def list_faults(request: Request) -> Response:
    return ok([rule.public() for rule in _faults(request).rules.values()])


async def delete_fault(request: Request) -> Response:
    raw = request.path_params["fault_id"]
    faults = _faults(request)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18) or int(raw) not in faults.rules:
        raise WireError(404, "MMC.111070005", f"No fault rule {raw[:32]!r}.")
    del faults.rules[int(raw)]
    return ok()


async def clear_faults(request: Request) -> Response:
    _faults(request).clear()
    return ok()
