from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from api.helpers import Member, new_member
from support import Server, ServerFactory


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[Member]:
    """An ordinary member shared by one module's tests; each test makes its own meetings."""
    member = new_member(server)
    yield member
    member.close()


@pytest.fixture
def make_member(server: Server) -> Iterator[Callable[..., Member]]:
    """Fresh logged-in accounts on the shared server: `make_member(admin=..., corp=...)`."""
    made: list[Member] = []

    def make(*, admin: bool = False, corp: str = "corp-test") -> Member:
        member = new_member(server, admin=admin, corp=corp)
        made.append(member)
        return member

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
def sandbox_server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server of the module's own in sandbox mode (movable clock, participants, ledger), on the
    session's storage backend; `make_server` stops it at the end of the session."""
    return make_server(tmp_path_factory.mktemp("sandbox-server"), ["--sandbox"])
