"""Every API, SDK and lifecycle test runs once per storage backend: SQLite and PostgreSQL.
PostgreSQL tests skip only outside CI when no server answers; with CI=true they must run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, ServerFactory, create_pg_database, drop_pg_database, require_postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    if kind == "postgresql":
        require_postgres()
    return kind


@pytest.fixture(scope="session")
def make_server(backend: str) -> Iterator[ServerFactory]:
    """Starts servers on the session's backend; each gets a database of its own."""
    started: list[tuple[Server, str | None]] = []

    def make(
        data_dir: Path, extra_args: list[str] | None = None, *, database_url: str | None = None
    ) -> Server:
        url = database_url
        if url is None and backend == "postgresql":
            url = create_pg_database()
        srv = Server(data_dir, extra_args=list(extra_args or []), database_url=url)
        started.append((srv, url if database_url is None else None))
        srv.start()
        return srv

    yield make
    for srv, own_database in started:
        srv.stop()
        if own_database:
            drop_pg_database(own_database)


@pytest.fixture(scope="session")
def server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """One server shared by the session's tests; tests isolate themselves with fresh accounts."""
    return make_server(tmp_path_factory.mktemp("shared-server"))


@pytest.fixture
def own_server(make_server: ServerFactory, tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own, for tests that kill or restart it."""
    srv = make_server(tmp_path / "server")
    yield srv
    srv.stop()
