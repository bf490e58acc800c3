from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server shared by the session's tests; tests isolate themselves with fresh accounts."""
    srv = Server(tmp_path_factory.mktemp("shared-server"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own, for tests that kill or restart it."""
    srv = Server(tmp_path / "server")
    srv.start()
    yield srv
    srv.stop()
