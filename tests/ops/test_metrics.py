"""`GET /metrics` scraped from a live server: the counters move with requests, deadlines and
meetings; nothing secret is on the page; `--metrics-listen` moves it to a listener of its own.
The request and lifecycle log lines of the same server: one JSON line per request, with its id,
operation, status, error code, duration and account, never a token or a password; no warning at
start. One backend (SQLite): what is measured does not depend on it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support import Server, free_port, unique
from support.formats import basic

CONFERENCES = "/v1/mmc/management/conferences"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("ops-server"), ["--sandbox", "--log-format", "json"])
    srv.start()
    yield srv
    srv.stop()


def scrape(http: httpx.Client, url: str = "/metrics") -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = http.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


def sample(page: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


def log_lines(server: Server) -> list[dict[str, Any]]:
    lines = []
    for line in (server.data_dir / "server.log").read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_counters_move_with_requests(server: Server) -> None:
    who = server.add_user()
    with server.client() as http:
        before = scrape(http)
        token = server.login(who)
        for _ in range(3):
            assert http.get("/health").status_code == 200
        created = http.post(
            CONFERENCES, headers={"X-Access-Token": token}, json={"length": 30, "mediaTypes": "Voice"}
        )
        assert created.status_code == 200, created.text
        assert http.get(CONFERENCES, headers={"X-Access-Token": "wrong"}).status_code == 401
        after = scrape(http)
        page = http.get("/metrics").text

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("overtime_http_requests_total", operation="health", status="200") == 3
    assert moved("overtime_http_requests_total", operation="create_meeting", status="200") == 1
    assert moved("overtime_http_requests_total", operation="search_meetings", status="401") == 1
    assert moved("overtime_http_requests_total", operation="create_token", status="200") == 1
    assert moved("overtime_http_request_duration_seconds_count", operation="health") == 3
    assert sample(after, "overtime_meetings_running") >= 1
    assert ("overtime_websocket_subscribers", ()) in after
    assert ("overtime_webhook_queue_depth", ()) in after
    assert ("overtime_webhook_attempts_total", (("outcome", "failed"),)) in after
    assert ("overtime_database_errors_total", ()) in after
    assert ("overtime_loop_failures_total", (("loop", "deadline loop"),)) in after
    assert [k for k in after if k[0] == "overtime_replica_info"], "each replica names itself"
    for secret in (token, who.password, who.account, created.json()[0]["conferenceID"]):
        assert secret not in page


def test_deadlines_applied_are_counted_with_their_lateness(server: Server) -> None:
    who = server.add_user()
    token = server.login(who)
    with server.client() as http:
        created = http.post(
            CONFERENCES, headers={"X-Access-Token": token}, json={"length": 30, "mediaTypes": "Voice"}
        )
        assert created.status_code == 200, created.text
        before = scrape(http)
        assert http.post("/sandbox/v1/clock/advance", json={"seconds": 31 * 60}).status_code == 200
        after = scrape(http)

    assert sample(after, "overtime_deadlines_applied_total", kind="ended") > sample(
        before, "overtime_deadlines_applied_total", kind="ended"
    )
    assert sample(after, "overtime_deadline_lateness_seconds_count") > sample(
        before, "overtime_deadline_lateness_seconds_count"
    )
    ended = [line for line in log_lines(server) if line["event"] == "meeting.ended"]
    cid = created.json()[0]["conferenceID"]
    assert [line["actor"] for line in ended if line["conference_id"] == cid] == ["system"]


def test_one_log_line_per_request_and_never_a_secret(server: Server) -> None:
    who = server.add_user()
    rid = unique("rid")
    with server.client() as http:
        r = http.post(
            "/v1/usg/acs/auth/account",
            headers={"Authorization": basic(f"{who.account}:{who.password}")},
            json={"account": who.account, "clientType": 72},
        )
        token = r.json()["accessToken"]
        ok = http.get(CONFERENCES, headers={"X-Access-Token": token, "X-Request-Id": rid})
        bad = http.get(CONFERENCES, headers={"X-Access-Token": "wrong", "X-Request-Id": rid + "-bad"})
    assert (ok.status_code, bad.status_code) == (200, 401)

    lines = {line.get("request_id"): line for line in log_lines(server) if line["event"] == "request"}
    assert lines[rid]["operation"] == "search_meetings"
    assert lines[rid]["status"] == 200 and lines[rid]["error_code"] is None
    assert lines[rid]["account"] == who.account
    assert isinstance(lines[rid]["duration_ms"], float)
    assert lines[rid + "-bad"]["status"] == 401
    assert lines[rid + "-bad"]["error_code"] == "USG.000000004"
    assert lines[rid + "-bad"]["account"] is None
    log = (server.data_dir / "server.log").read_text()
    assert token not in log and who.password not in log


def test_no_start_prints_a_warning(server: Server) -> None:
    log = (server.data_dir / "server.log").read_text()
    assert "experimental" not in log.lower()
    assert not [line for line in log_lines(server) if line["level"] != "info"]


def test_text_logs_and_metrics_on_a_listener_of_their_own(tmp_path: Path) -> None:
    port = free_port()
    srv = Server(tmp_path / "srv", ["--metrics-listen", f"127.0.0.1:{port}", "--log-format", "text"])
    srv.start()
    try:
        with srv.client() as https, httpx.Client() as plain:
            assert https.get("/health").status_code == 200
            page = scrape(plain, f"http://127.0.0.1:{port}/metrics")
            assert plain.get(f"http://127.0.0.1:{port}/other").status_code == 404
            moved = https.get("/metrics")
        assert sample(page, "overtime_http_requests_total", operation="health", status="200") >= 1
        assert moved.status_code == 404
        assert moved.json()["error_code"] == "MMC.111070001"
    finally:
        srv.stop()
    log = (srv.data_dir / "server.log").read_text()
    assert "level=info logger=overtime.access event=request" in log and "operation=health" in log
    assert "experimental" not in log.lower() and "level=warning" not in log


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log-format", "xml"], "overtime: --log-format xml: must be one of text, json"),
        (["--log-level", "loud"], "overtime: --log-level loud: must be one of debug, info, warning, error"),
        (["--metrics-listen", "9464"], "overtime: --metrics-listen 9464: must be HOST:PORT, main or off"),
    ],
)
def test_bad_log_and_metrics_values_are_one_line(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "overtime", "serve", *args], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [message]


def test_a_loop_pass_the_database_failed_is_a_database_error(tmp_path: Path) -> None:
    from overtime.api.observability import Metrics
    from overtime.domain.webhooks import WebhookOptions
    from overtime.runtime import Runtime, context
    from overtime.storage.sql import StoreUnavailable

    runtime = Runtime.build(
        context(f"sqlite:///{tmp_path / 'x.db'}", pool_size=1, sandbox=False, webhooks=WebhookOptions())
    )
    metrics = Metrics(runtime)
    assert runtime.scheduler.on_failure is not None and runtime.dispatcher.on_failure is not None

    runtime.scheduler.on_failure("deadline loop", StoreUnavailable("gone"))
    runtime.dispatcher.on_failure("webhook loop", ValueError("a bug"))

    get = metrics.registry.get_sample_value
    assert get("overtime_database_errors_total") == 1
    assert get("overtime_loop_failures_total", {"loop": "deadline loop"}) == 1
    assert get("overtime_loop_failures_total", {"loop": "webhook loop"}) == 1
