"""SDK clients for the module's sandbox server (`sandbox_server` and `sandbox` come from
tests/conftest.py): here `sdk`, `member` and `client` point at the sandbox server, whose clock
the tests move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huaweicloudsdkmeeting.v1 import MeetingClient

from support import Account, Server
from support.sdk import SdkFactory


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
