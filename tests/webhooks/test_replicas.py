"""Two replicas on one PostgreSQL database deliver the corp's events once each, in order."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, create_pg_database, drop_pg_database, postgres_available
from webhooks.conftest import RETRY_BASE, hook_args
from webhooks.flows import Admin
from webhooks.receiver import Receiver


@pytest.fixture
def replicas(tmp_path: Path, receiver_tls: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Server]]:
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but PostgreSQL does not answer at 127.0.0.1:5432")
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    monkeypatch.setenv("OVERTIME_WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE)
    url = create_pg_database()
    servers = [
        Server(tmp_path / f"r{i}", extra_args=hook_args(receiver_tls), database_url=url) for i in range(2)
    ]
    try:
        for srv in servers:
            srv.start()
        yield servers
    finally:
        for srv in servers:
            srv.stop()
        drop_pg_database(url)


def test_two_replicas_deliver_every_event_exactly_once_in_order(
    replicas: list[Server], receiver: Receiver
) -> None:
    a, b = Admin(replicas[0]), Admin(replicas[1])
    b.corp, b.member = a.corp, a.member  # one corp; calls go through either replica
    try:
        a.subscribe(receiver)
        lives = []
        for i in range(6):
            admin = a if i % 2 == 0 else b
            admin.http = replicas[i % 2].client(headers=dict(a.http.headers))
            lives.append(admin.full_life())
        for meeting, expected in lives:
            receiver.wait_events(meeting["conferenceID"], len(expected))
        time.sleep(1.5)  # anything delivered twice would arrive by now
        for meeting, expected in lives:
            got = [c.event for c in receiver.accepted(meeting=meeting["conferenceID"])]
            assert got == expected
        keys = [c.key for c in receiver.accepted()]
        assert len(keys) == len(set(keys)), "each event delivered once, whichever replica took it"
    finally:
        a.close()
