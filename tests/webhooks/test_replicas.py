"""Two replicas on one PostgreSQL database deliver the corp's events once each, in order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, replica_servers
from webhooks.conftest import RETRY_BASE, hook_args
from webhooks.flows import Admin
from webhooks.receiver import Receiver


@pytest.fixture
def replicas(tmp_path: Path, receiver_tls: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Server]]:
    monkeypatch.setenv("OVERTIME_WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE)
    with replica_servers(tmp_path, 2, hook_args(receiver_tls)) as servers:
        yield servers


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
