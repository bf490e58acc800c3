"""The console's browser tests: Debian's Chromium (`/usr/bin/chromium`, or `OVERTIME_CHROMIUM`)
driven by Playwright, against one sandbox server of the module's own (SQLite only: the console
adds no query of its own, and a browser run per backend would double the suite's slowest part).

Outside CI, the tests skip when Chromium is missing; with CI=true they fail (`.ci/run` installs
it). Screenshots go to a temporary directory, or to docs/howto/img/ with
`OVERTIME_DOCS_SCREENSHOTS=1` (how the committed ones were made)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.helpers import Member
from support import Server

CHROMIUM = os.environ.get("OVERTIME_CHROMIUM", "/usr/bin/chromium")
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "howto" / "img"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one module: Playwright's sync API keeps an event loop running in this thread
    while it is open, which later tests' `asyncio.run` must not meet."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("console-server"), extra_args=["--sandbox"])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def alice(console_server: Server) -> Iterator[Member]:
    account = console_server.add_user(name="Alice Host")
    member = Member(console_server, account, console_server.login(account))
    yield member
    member.close()


@pytest.fixture(scope="module")
def bob(console_server: Server) -> Iterator[Member]:
    account = console_server.add_user(name="Bob")
    member = Member(console_server, account, console_server.login(account))
    yield member
    member.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    if os.environ.get("OVERTIME_DOCS_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path_factory.mktemp("screenshots")
