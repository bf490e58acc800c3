"""BEHAVIOUR §4: an extension racing the end is either applied before the end (the meeting goes
on) or refused as ended; never both. Driven on a sandbox server, whose clock we move."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest

from api.helpers import (
    DURATION,
    STOP,
    Member,
    assert_error,
    extend,
    is_running,
    new_member,
    parse_wire_time,
)
from support import Server
from support.sandbox import Sandbox

ENDED = "MMC.111072006"


@pytest.fixture(scope="module")
def sandbox_host(sandbox_server: Server) -> Iterator[Member]:
    member = new_member(sandbox_server)
    yield member
    member.close()


def test_sandbox_clock_moves(sandbox: Sandbox) -> None:
    before = sandbox.now()
    assert sandbox.advance(seconds=60) >= before + timedelta(seconds=60)


@pytest.mark.parametrize("round_", range(6))
def test_extension_racing_the_deadline(
    sandbox_server: Server, sandbox: Sandbox, sandbox_host: Member, round_: int
) -> None:
    meeting = sandbox_host.create(length=15, confConfigInfo={"prolongLength": 0})
    cid = meeting["conferenceID"]
    token = sandbox_host.control_token(meeting)
    start = parse_wire_time(meeting["startTime"])
    extensions = 1 + round_ % 3

    with ThreadPoolExecutor(max_workers=1 + extensions) as pool:
        moved = pool.submit(sandbox.advance, minutes=15)
        tries = [
            pool.submit(extend, sandbox_server, cid, token, {"auto": 0, "duration": 1})
            for _ in range(extensions)
        ]
        moved.result()
        answers = [t.result() for t in tries]

    applied = [r for r in answers if r.status_code == 200]
    for r in answers:
        if r.status_code != 200:
            assert_error(r, 400, ENDED, "The meeting has ended.")
    if is_running(sandbox_host, cid):
        assert len(applied) == extensions, "the meeting went on, so every extension applied"
        assert sandbox_host.end_time(cid) == start + timedelta(minutes=15 + extensions)
    else:
        assert applied == [], "an extension was answered 200 but the meeting ended anyway"


def test_extensions_racing_a_stop(sandbox_server: Server, sandbox: Sandbox, sandbox_host: Member) -> None:
    meeting = sandbox_host.create(length=30)
    cid = meeting["conferenceID"]
    token = sandbox_host.control_token(meeting)
    n = 60

    async def race() -> tuple[list[httpx.Response], httpx.Response]:
        limits = httpx.Limits(max_connections=n + 1, max_keepalive_connections=n + 1)
        async with httpx.AsyncClient(
            base_url=sandbox_server.url, verify=sandbox_server.ssl_context(), timeout=60, limits=limits
        ) as client:
            # Warm every connection first, so that the requests below leave together.
            await asyncio.gather(*(client.get("/health") for _ in range(n + 1)))
            auth = {"X-Conference-Authorization": token}
            params = {"conferenceID": cid}
            ext = [
                client.put(DURATION, params=params, headers=auth, json={"auto": 0, "duration": 1})
                for _ in range(n)
            ]
            stop = client.put(STOP, params=params, headers=auth)
            results = await asyncio.gather(*ext[: n // 3], stop, *ext[n // 3 :])
            return results[: n // 3] + results[n // 3 + 1 :], results[n // 3]

    answers, stopped = asyncio.run(race())

    assert stopped.status_code == 200, stopped.text
    for r in answers:
        if r.status_code != 200:
            assert_error(r, 400, ENDED, "The meeting has ended.")
    applied = sum(r.status_code == 200 for r in answers)
    kinds = [e["kind"] for e in sandbox.events(cid)]
    assert kinds.count("ended") == 1, kinds
    assert kinds.count("extended") == applied, kinds
    assert "extended" not in kinds[kinds.index("ended") :], kinds
    assert not is_running(sandbox_host, cid)
