"""The pytest plugin of Overtime (registered through the `pytest11` entry point): the `overtime`
fixture. One sandbox server per test session (per xdist worker), started on first use; each test
gets it wiped clean, so every test sees only what it made."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from overtime.testing.server import OvertimeServer


@pytest.fixture(scope="session")
def overtime_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OvertimeServer]:
    """The session's server, not wiped between tests (use `overtime` in tests)."""
    server = OvertimeServer(tmp_path_factory.mktemp("overtime"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def overtime(overtime_server: OvertimeServer) -> OvertimeServer:
    """The session's sandbox server, wiped clean for this test: no accounts, meetings, webhooks,
    journal entries or fault rules of other tests, and the clock back on the wall clock."""
    overtime_server.reset()
    return overtime_server
