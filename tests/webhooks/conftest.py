"""A sandbox server that trusts a loopback HTTPS subscriber's CA, and that subscriber."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, ServerFactory
from webhooks.receiver import Receiver

RETRY_BASE = "0.2"
"""Seconds before the first retry (then 0.4, 0.8, ...): keeps the tests short."""


@pytest.fixture(scope="session")
def receiver_tls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate for every receiver of the session (`ensure_local_ca` reuses it)."""
    directory = tmp_path_factory.mktemp("receiver-tls")
    Receiver(directory)
    return directory


def hook_args(receiver_tls: Path) -> list[str]:
    return ["--webhook-ca", str(receiver_tls / "ca.pem"), "--sandbox"]


@pytest.fixture(scope="session")
def hook_server(
    make_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory, receiver_tls: Path
) -> Server:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OVERTIME_WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE)
        return make_server(tmp_path_factory.mktemp("webhook-server"), hook_args(receiver_tls))


@pytest.fixture
def own_hook_server(
    make_server: ServerFactory, tmp_path: Path, receiver_tls: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Server]:
    """A server of this test's own (to restart or kill); restarts keep the fast retries."""
    monkeypatch.setenv("OVERTIME_WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE)
    srv = make_server(tmp_path / "server", hook_args(receiver_tls))
    yield srv
    srv.stop()


@pytest.fixture
def receiver(receiver_tls: Path) -> Iterator[Receiver]:
    r = Receiver(receiver_tls)
    r.start()
    yield r
    r.stop()
