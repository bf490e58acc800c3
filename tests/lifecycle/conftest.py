"""A sandbox-mode server, its sandbox routes, and SDK clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from huaweicloudsdkmeeting.v1 import MeetingClient
from sandbox_support import Sandbox

from sdk_support import SdkFactory
from support import Account, Server, ServerFactory


@pytest.fixture(scope="session")
def sandbox_server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Server:
    return make_server(tmp_path_factory.mktemp("sandbox-server"), ["--sandbox"])


@pytest.fixture
def sandbox(sandbox_server: Server) -> Iterator[Sandbox]:
    with sandbox_server.client() as http:
        yield Sandbox(sandbox_server, http)


@pytest.fixture
def own_sandbox_server(make_server: ServerFactory, tmp_path: Path) -> Iterator[Server]:
    srv = make_server(tmp_path / "server", ["--sandbox"])
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
    """A fresh SDK client: it logs in on its first call, so its token is fresh on the sandbox clock."""
    return sdk.account(member)
