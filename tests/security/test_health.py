"""`GET /health` stays cheap; `GET /health?deep=1` reads the meetings table for real and answers
503 in the error envelope when that read fails (issue 9, finding 9: a corrupted meetings page
let /health answer ok while meeting routes answered 500)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from api.helpers import assert_error, new_member, ok
from support import Server

DEEP_FAILED = "The database failed a read check."
INTERNAL = "MMC.111070003"


def test_deep_health_reads_the_database(own_server: Server) -> None:
    with own_server.client() as c:
        assert ok(c.get("/health")).json() == {"status": "ok"}
        assert ok(c.get("/health", params={"deep": "1"})).json() == {"status": "ok", "database": "ok"}


@pytest.fixture
def meetings_table_gone(own_server: Server) -> Iterator[Server]:
    """The meetings table renamed away under the running server (both backends), then back."""
    own_server.sql("ALTER TABLE meetings RENAME TO meetings_away")
    yield own_server
    own_server.sql("ALTER TABLE meetings_away RENAME TO meetings")


def test_deep_health_fails_when_meetings_cannot_be_read(meetings_table_gone: Server) -> None:
    with meetings_table_gone.client() as c:
        assert ok(c.get("/health")).json() == {"status": "ok"}, "the cheap check does not touch the database"
        r = c.get("/health", params={"deep": "1"})

    assert_error(r, 503, INTERNAL, DEEP_FAILED)
    assert r.headers["retry-after"] == "1"


def test_deep_health_finds_a_corrupted_meetings_page(own_server: Server) -> None:
    """SQLite only: the page that holds the meetings overwritten while the server was down."""
    if own_server.database_url:
        pytest.skip("corrupts a SQLite file")
    host = new_member(own_server)
    try:
        host.create()
    finally:
        host.close()
    own_server.stop()
    path = own_server.data_dir / "overtime.db"
    con = sqlite3.connect(path)
    try:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'meetings'").fetchone()[0]
    finally:
        con.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)

    own_server.start()
    with own_server.client() as c:
        assert ok(c.get("/health")).json() == {"status": "ok"}
        r = c.get("/health", params={"deep": "1"})

    assert_error(r, 503, INTERNAL, DEEP_FAILED)
