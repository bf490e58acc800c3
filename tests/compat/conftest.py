"""Fixtures that point the official, unchanged Huawei SDK at a live Overtime server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huaweicloudsdkmeeting.v1 import MeetingClient

from support import Account, Server
from support.sdk import SdkFactory


def _factory(server: Server) -> Iterator[SdkFactory]:
    factory = SdkFactory(server)
    yield factory
    factory.close()


@pytest.fixture
def target(server: Server) -> Server:
    """The server a module's SDK clients talk to: the shared one. A module whose tests join and
    move the clock (people, recordings) overrides it with its sandbox server."""
    return server


@pytest.fixture
def sdk(target: Server) -> Iterator[SdkFactory]:
    """SDK clients for `target`."""
    yield from _factory(target)


@pytest.fixture
def own_sdk(own_server: Server) -> Iterator[SdkFactory]:
    """SDK clients for a server of the test's own (for failed logins, which count towards the
    per-client lockout and must not disturb other tests)."""
    yield from _factory(own_server)


@pytest.fixture
def member(target: Server) -> Account:
    """A fresh ordinary (non-admin) member of the test enterprise."""
    return target.add_user()


@pytest.fixture
def client(sdk: SdkFactory, member: Account) -> MeetingClient:
    """An SDK client authenticated as `member` with account/password."""
    return sdk.account(member)
