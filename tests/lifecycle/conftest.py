"""The SDK fixtures of tests/conftest.py (`sdk`, `member`, `client`) point here at the module's
sandbox server (`sandbox_server` and `sandbox` come from tests/conftest.py), whose clock the
tests move."""

from __future__ import annotations

import pytest

from support import Server


@pytest.fixture
def target(sandbox_server: Server) -> Server:
    return sandbox_server
