"""A real Janus and an Overtime sandbox server governing it (`--media janus`), one pair per module
and backend: `janus`, `sandbox_server` (overriding tests/conftest.py's, so `sandbox` drives this
one), and `target`, so tests/conftest.py's SDK clients (`sdk`, `member`, `client`) talk to it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from support import Server, ServerFactory, free_port
from support.janus import Janus, require_janus


@pytest.fixture(scope="module")
def events_secret() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def events_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory, events_port: int, events_secret: str) -> Iterator[Janus]:
    require_janus()
    process = Janus(
        tmp_path_factory.mktemp("janus"),
        events_url=f"http://127.0.0.1:{events_port}/integrations/janus/events",
        events_secret=events_secret,
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def sandbox_server(
    make_server: ServerFactory,
    tmp_path_factory: pytest.TempPathFactory,
    janus: Janus,
    events_port: int,
    events_secret: str,
) -> Iterator[Server]:
    srv = make_server(
        tmp_path_factory.mktemp("media-server"),
        ["--sandbox", "--media", "janus", "--janus-url", janus.url,
         "--janus-events-secret", events_secret, "--janus-events-listen", f"127.0.0.1:{events_port}"],
    )  # fmt: skip
    yield srv
    srv.stop()


@pytest.fixture
def target(sandbox_server: Server) -> Server:
    """The SDK fixtures of tests/conftest.py (`sdk`, `member`, `client`) talk to this server."""
    return sandbox_server
