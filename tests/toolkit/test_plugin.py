"""The pytest plugin (`overtime` fixture through the `pytest11` entry point) and
`overtime.testing.OvertimeServer` (issue 13 §1)."""

from __future__ import annotations

import time

import httpx
import pytest
from huaweicloudsdkmeeting.v1 import (
    CreateMeetingRequest,
    RestScheduleConfDTO,
    SearchMeetingsRequest,
)

from overtime.testing import OvertimeServer

SEEN: list[str] = []


def _create(client: object, subject: str) -> str:
    response = client.create_meeting(  # type: ignore[attr-defined]
        CreateMeetingRequest(body=RestScheduleConfDTO(media_types="Voice", subject=subject, length=30))
    )
    conference_id: str = response.body[0].conference_id
    return conference_id


@pytest.mark.parametrize("run", ["first", "second"])
def test_every_test_starts_clean_and_may_reuse_an_account_name(overtime: OvertimeServer, run: str) -> None:
    assert overtime.requests() == []
    assert overtime.faults() == []
    account, password = overtime.add_user("alice", "Alice-pw-1", admin=True)
    assert (account, password) == ("alice", "Alice-pw-1")
    client = overtime.sdk_client(account, password)
    conference_id = _create(client, f"meeting of the {run} test")
    listed = client.search_meetings(SearchMeetingsRequest(query_all=True)).data
    assert [m.conference_id for m in listed] == [conference_id]
    SEEN.append(conference_id)


def test_the_clock_participants_and_ledger(overtime: OvertimeServer) -> None:
    before = overtime.now()
    account, password = overtime.add_user("bob")
    conference_id = _create(overtime.sdk_client(account, password), "clock")
    pid = overtime.join(conference_id, name="Carol")
    overtime.leave(conference_id, pid)
    after = overtime.advance(minutes=10, seconds=30)
    assert 630 <= (after - before).total_seconds() < 640
    kinds = [e["kind"] for e in overtime.events(conference_id)]
    assert kinds[0] == "created"
    assert kinds.index("joined") < kinds.index("left")


def test_the_clock_is_back_on_the_wall_clock_after_a_reset(overtime: OvertimeServer) -> None:
    overtime.advance(minutes=600)
    overtime.reset()
    assert abs(overtime.now().timestamp() - time.time()) < 5


def test_the_sdk_client_verifies_the_servers_own_ca(overtime: OvertimeServer) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{overtime.url}/health")  # the system store does not know the sandbox's CA
    assert httpx.get(f"{overtime.url}/health", verify=overtime.ssl_context()).status_code == 200


def test_outside_pytest_as_a_context_manager() -> None:
    with OvertimeServer() as ot:
        account, password = ot.add_user("dora")
        conference_id = _create(ot.sdk_client(account, password), "script")
        assert [e["operation"] for e in ot.requests(conference_id=conference_id)] == ["create_meeting"]
        assert [e["operation"] for e in ot.requests(operation="create_meeting")] == ["create_meeting"]
        data_dir = ot.data_dir
        url = ot.url
    assert not data_dir.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", verify=False, timeout=2)


def _median(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


def test_per_test_cost_wipe_versus_a_fresh_server(overtime: OvertimeServer) -> None:
    """The clean slate's cost, measured (issue 13): the plugin's wipe of a server holding a few
    accounts, meetings and journal entries; the older `/sandbox/v1/reset` (meetings only: it
    would leave accounts, so tests could not reuse names); and a fresh server (the full reset)."""
    wipes, resets = [], []
    for i in range(10):
        account, password = overtime.add_user(f"user-{i}")
        client = overtime.sdk_client(account, password)
        for _ in range(3):
            _create(client, "load")
        started = time.perf_counter()
        assert overtime.http.post("/sandbox/v1/reset").status_code == 200
        resets.append((time.perf_counter() - started) * 1000)
        for _ in range(3):
            _create(client, "load")
        started = time.perf_counter()
        overtime.reset()
        wipes.append((time.perf_counter() - started) * 1000)
    fresh = []
    for _ in range(2):
        started = time.perf_counter()
        with OvertimeServer():
            pass
        fresh.append((time.perf_counter() - started) * 1000)
    print(
        f"\nper-test clean slate (median of 10): wipe {_median(wipes):.1f} ms, "
        f"meetings-only reset {_median(resets):.1f} ms; fresh server {min(fresh):.0f} ms (best of 2)"
    )
    assert _median(wipes) * 10 < min(fresh)


def test_starting_a_server_prints_no_warning() -> None:
    """Issue 14: no start prints granian's "experimental" notice, the in-thread server's included."""
    import subprocess
    import sys

    script = "from overtime.testing import OvertimeServer\nwith OvertimeServer() as s:\n    print(s.url)\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://127.0.0.1:")
    printed = (result.stdout + result.stderr).lower()
    assert "experimental" not in printed and "warning" not in printed, printed
