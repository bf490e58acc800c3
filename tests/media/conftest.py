"""A real Janus and an Overtime sandbox server governing it (`--media janus`), one pair per module
and backend: `janus`, `sandbox_server` (overriding tests/conftest.py's, so `sandbox` drives this
one) and SDK clients on it (`sdk`, `member`, `client`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from huaweicloudsdkmeeting.v1 import MeetingClient

from support import Account, Server, ServerFactory, free_port
from support.janus import Janus, require_janus
from support.sdk import SdkFactory


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
def sdk(sandbox_server: Server) -> Iterator[SdkFactory]:
    factory = SdkFactory(sandbox_server)
    yield factory
    factory.close()


@pytest.fixture
def member(sandbox_server: Server) -> Account:
    return sandbox_server.add_user()


@pytest.fixture
def client(sdk: SdkFactory, member: Account) -> MeetingClient:
    return sdk.account(member)
