"""Writes that arrive together share one commit on SQLite (decision 0007), yet each is still all
or nothing and acknowledged only once durable: a write that fails changes nothing while the
others of its batch commit; a write that returned is visible to another connection at once; a
writer cancelled while it waits does not take the others' commit with it. Run on both backends:
PostgreSQL commits each write on its own and must behave the same."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from overtime.storage.sql import Store, migrate
from overtime.storage.tables import throttles
from support import create_pg_database, drop_pg_database


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "postgresql":
        url = create_pg_database()
        migrate(url)
        yield url
        drop_pg_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'group.db'}"
        migrate(url)
        yield url


class Refused(Exception):
    pass


async def _write(store: Store, key: str, *, fail: bool = False) -> None:
    async with store.write() as tx:
        await tx.conn.execute(insert(throttles).values(key=key, failures=1, window_start=0, locked_until=0))
        await asyncio.sleep(0)  # let the other writers of this turn queue up behind this one
        if fail:
            raise Refused(key)


async def _keys(store: Store) -> set[str]:
    async with store.read() as tx:
        return {r.key for r in await tx.conn.execute(select(throttles.c.key))}


def test_a_failed_write_changes_nothing_and_the_rest_of_its_batch_commits(store_url: str) -> None:
    async def scenario() -> None:
        store = Store(store_url)
        try:
            results = await asyncio.gather(
                *(_write(store, f"k{i}", fail=i % 3 == 0) for i in range(30)), return_exceptions=True
            )
            failed = {str(r) for r in results if isinstance(r, Refused)}
            assert failed == {f"k{i}" for i in range(30) if i % 3 == 0}
            assert all(r is None for r in results if not isinstance(r, Refused))
            assert await _keys(store) == {f"k{i}" for i in range(30) if i % 3 != 0}
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_write_that_returned_is_visible_to_another_connection(store_url: str, backend: str) -> None:
    async def scenario() -> None:
        store = Store(store_url)
        try:

            async def write_then_look(i: int) -> None:
                await _write(store, f"seen{i}")
                if backend == "sqlite":  # a connection of its own, outside the store
                    other = sqlite3.connect(store_url.removeprefix("sqlite:///"))
                    try:
                        rows = other.execute(
                            "SELECT key FROM throttles WHERE key = ?", (f"seen{i}",)
                        ).fetchall()
                    finally:
                        other.close()
                    assert rows == [(f"seen{i}",)]
                else:
                    other_store = Store(store_url)
                    try:
                        assert f"seen{i}" in await _keys(other_store)
                    finally:
                        await other_store.close()

            await asyncio.gather(*(write_then_look(i) for i in range(10)))
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_cancelled_writer_does_not_cancel_the_commit_of_the_others(store_url: str) -> None:
    async def scenario() -> None:
        store = Store(store_url)
        try:
            tasks = [asyncio.create_task(_write(store, f"c{i}")) for i in range(10)]
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            tasks[0].cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            assert all(r is None for r in results[1:]), results
            keys = await _keys(store)
            assert {f"c{i}" for i in range(1, 10)} <= keys
            # The cancelled one either never wrote or wrote whole: never half.
            assert keys <= {f"c{i}" for i in range(10)}
        finally:
            await store.close()

    asyncio.run(scenario())


def test_a_write_after_a_failed_batch_starts_afresh(store_url: str) -> None:
    async def scenario() -> None:
        store = Store(store_url)
        try:
            with pytest.raises(Refused):
                await _write(store, "only", fail=True)
            await _write(store, "next")
            assert await _keys(store) == {"next"}
        finally:
            await store.close()

    asyncio.run(scenario())
