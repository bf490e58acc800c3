"""Every fixture shared by more than one suite, defined once.

Every API, SDK and lifecycle test runs once per storage backend: SQLite and PostgreSQL
(`-k sqlite` or `-k postgresql` to run one). PostgreSQL tests skip only outside CI when no server
answers; with CI=true they must run.

Servers: `server` (one per session, shared: tests isolate themselves with fresh accounts),
`sandbox_server` (one per module, started with --sandbox: a movable clock), `own_server` and
`own_sandbox_server` (one per test, to kill, restart or lock out), `make_server` (any other).
Members (logged-in accounts with an HTTPS client, `api.helpers.Member`): `host` (one per module on
`server`), `make_member` and `make_own_member` (fresh ones on `server` / `own_server`),
`own_member`, `cast` (one per name and module). `sandbox` drives the sandbox API of
`sandbox_server`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from huaweicloudsdkmeeting.v1 import MeetingClient

from api.helpers import MakeMember, Member, new_member
from support import Account, Server, ServerFactory, create_pg_database, drop_pg_database, require_postgres
from support.sandbox import Sandbox
from support.sdk import SdkFactory

BACKENDS = ["sqlite", "postgresql"]

# -- servers ------------------------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def sandbox_server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of the module's own in sandbox mode (movable clock, participants, ledger), on the
    session's backend. One per module: a module's clock moves never reach another module."""
    srv = make_server(tmp_path_factory.mktemp("sandbox-server"), ["--sandbox"])
    yield srv
    srv.stop()


@pytest.fixture
def own_sandbox_server(make_server: ServerFactory, tmp_path: Path) -> Iterator[Server]:
    """A sandbox server of this test's own, for tests that restart it."""
    srv = make_server(tmp_path / "server", ["--sandbox"])
    yield srv
    srv.stop()


@pytest.fixture
def sandbox(sandbox_server: Server) -> Iterator[Sandbox]:
    """The sandbox API of `sandbox_server`."""
    with sandbox_server.client() as http:
        yield Sandbox(sandbox_server, http)


# -- members ------------------------------------------------------------------------------------


def _members(server: Server) -> tuple[MakeMember, list[Member]]:
    made: list[Member] = []

    def make(*, admin: bool = False, corp: str = "corp-test") -> Member:
        member = new_member(server, admin=admin, corp=corp)
        made.append(member)
        return member

    return make, made


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[Member]:
    """An ordinary member shared by one module's tests; each test makes its own meetings."""
    member = new_member(server)
    yield member
    member.close()


@pytest.fixture
def make_member(server: Server) -> Iterator[MakeMember]:
    """`make_member(admin=..., corp=...)`: a fresh logged-in account on the shared server."""
    make, made = _members(server)
    yield make
    for member in made:
        member.close()


@pytest.fixture
def make_own_member(own_server: Server) -> Iterator[MakeMember]:
    """The same on the test's own server."""
    make, made = _members(own_server)
    yield make
    for member in made:
        member.close()


@pytest.fixture
def own_member(own_server: Server) -> Iterator[Member]:
    """A member on a server of the test's own (for token expiry, throttling, restarts)."""
    member = new_member(own_server)
    yield member
    member.close()


@pytest.fixture(scope="module")
def cast(server: Server) -> Iterator[MakeMember]:
    """`cast("alice", admin=..., corp=...)`: one logged-in account per name, shared by a module's
    tests on the shared server (each test makes its own meetings). Logging in is slow (scrypt
    and a CLI call per account), so tests that need several named roles reuse their cast."""
    made: dict[str, Member] = {}

    def get(name: str, *, admin: bool = False, corp: str = "corp-test") -> Member:
        if name not in made:
            made[name] = new_member(server, admin=admin, corp=corp)
        return made[name]

    yield get
    for member in made.values():
        member.close()


# -- the official SDK ------------------------------------------------------------------------------


@pytest.fixture
def target(server: Server) -> Server:
    """The server the SDK fixtures below talk to: the shared one. A directory or module whose
    tests move the clock (lifecycle/, media/, compat's people and recordings) overrides it with
    its sandbox server."""
    return server


@pytest.fixture
def sdk(target: Server) -> Iterator[SdkFactory]:
    """SDK clients for `target`."""
    factory = SdkFactory(target)
    yield factory
    factory.close()


@pytest.fixture
def member(target: Server) -> Account:
    """A fresh ordinary (non-admin) member of the test enterprise on `target`."""
    return target.add_user()


@pytest.fixture
def client(sdk: SdkFactory, member: Account) -> MeetingClient:
    """An SDK client authenticated as `member` with account/password; it logs in on its first
    call, so its token is fresh on a sandbox clock."""
    return sdk.account(member)
