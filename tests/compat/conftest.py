"""The official, unchanged Huawei SDK against a live Overtime server: `sdk`, `member` and `client`
come from tests/conftest.py and talk to its `target` (the shared server; the people and
recordings modules override `target` with their sandbox server). Here: SDK clients for a server
of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import Server
from support.sdk import SdkFactory


@pytest.fixture
def own_sdk(own_server: Server) -> Iterator[SdkFactory]:
    """SDK clients for a server of the test's own (for failed logins, which count towards the
    per-client lockout and must not disturb other tests)."""
    factory = SdkFactory(own_server)
    yield factory
    factory.close()
