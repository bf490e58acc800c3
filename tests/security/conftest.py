"""Fixtures of the security suite: fresh logged-in accounts on the shared server or on a server
of the test's own (for throttles and token expiry, which must not touch the shared server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from api.helpers import Member, new_member
from support import Server, ServerFactory

MakeMember = Callable[..., Member]


def _members(server: Server) -> tuple[MakeMember, list[Member]]:
    made: list[Member] = []

    def make(*, admin: bool = False, corp: str = "corp-test") -> Member:
        member = new_member(server, admin=admin, corp=corp)
        made.append(member)
        return member

    return make, made


@pytest.fixture
def make_member(server: Server) -> Iterator[MakeMember]:
    """`make_member(admin=..., corp=...)`: a fresh logged-in account on the shared server."""
    make, made = _members(server)
    yield make
    for member in made:
        member.close()


@pytest.fixture(scope="module")
def cast(server: Server) -> Iterator[MakeMember]:
    """`cast("alice", admin=..., corp=...)`: one logged-in account per name, shared by a module's
    tests on the shared server (each test makes its own meetings). Logging in is slow (scrypt
    and a CLI call per account), so the scope tests reuse their cast."""
    made: dict[str, Member] = {}

    def get(name: str, *, admin: bool = False, corp: str = "corp-test") -> Member:
        if name not in made:
            made[name] = new_member(server, admin=admin, corp=corp)
        return made[name]

    yield get
    for member in made.values():
        member.close()


@pytest.fixture
def make_own_member(own_server: Server) -> Iterator[MakeMember]:
    """The same on the test's own server."""
    make, made = _members(own_server)
    yield make
    for member in made:
        member.close()


@pytest.fixture(scope="module")
def sandbox_server(make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server of the module's own started with --sandbox, on the session's backend."""
    return make_server(tmp_path_factory.mktemp("security-sandbox"), ["--sandbox"])
