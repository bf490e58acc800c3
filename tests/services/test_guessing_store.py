"""The throttle counters in the real store (SQLite and PostgreSQL): one helper checks and counts
for every route, counters that have lapsed are deleted when a new one is added, and the table
never holds more than its cap, dropping idle counters before live lockouts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fakes import FakeClock
from overtime.domain import errors, throttle
from overtime.services import guessing
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
        url = f"sqlite:///{tmp_path / 'guessing.db'}"
        migrate(url)
        yield url


async def _keys(store: Store) -> set[str]:
    async with store.read() as tx:
        rows = await tx.conn.execute(select(throttles.c.key))
        return {r.key for r in rows}


async def _fail(store: Store, guard: guessing.Guard, *, max_rows: int = throttle.MAX_ROWS) -> None:
    async with store.write() as tx:
        await guard.check(tx)
        await tx.record_failure(guard.key, guard.now_ms, max_rows=max_rows)


def test_five_failures_lock_and_a_success_clears(store_url: str) -> None:
    async def scenario() -> None:
        store, clock = Store(store_url), FakeClock()
        try:
            guard = guessing.login("alice", "127.0.0.1", clock.now())
            for _ in range(throttle.MAX_FAILURES):
                async with store.write() as tx:
                    await guard.check(tx)
                    await guard.record(tx, ok=False)
            async with store.write() as tx:
                with pytest.raises(errors.AccountLoginLocked) as locked:
                    await guard.check(tx)
            assert locked.value.retry_after == throttle.LOCKOUT_MS // 1000
            later = guessing.login("alice", "127.0.0.1", clock.now() + timedelta(minutes=11))
            async with store.write() as tx:
                await later.check(tx)
                await later.record(tx, ok=True)
            assert await _keys(store) == set()
        finally:
            await store.close()

    asyncio.run(scenario())


def test_lapsed_counters_are_deleted_when_a_new_one_is_added(store_url: str) -> None:
    async def scenario() -> None:
        store, clock = Store(store_url), FakeClock()
        try:
            for i in range(20):
                await _fail(store, guessing.conference(f"{i:09d}", "10.0.0.1", clock.now()))
            locked = guessing.login("victim", "10.0.0.2", clock.now())
            for _ in range(throttle.MAX_FAILURES):
                await _fail(store, locked)
            clock.advance(timedelta(minutes=9))
            young = guessing.login("young", "10.0.0.3", clock.now())
            await _fail(store, young)
            assert len(await _keys(store)) == 22, "nothing has lapsed yet"

            clock.advance(timedelta(minutes=2))  # the 20 windows and the lock are over
            fresh = guessing.login("fresh", "10.0.0.4", clock.now())
            await _fail(store, fresh)
            assert await _keys(store) == {young.key, fresh.key}
        finally:
            await store.close()

    asyncio.run(scenario())


def test_the_table_is_capped_and_a_flood_drops_idle_counters_before_lockouts(store_url: str) -> None:
    async def scenario() -> None:
        store, clock = Store(store_url), FakeClock()
        cap = 8
        try:
            victim = guessing.conference("123456789", "10.0.0.9", clock.now())
            for _ in range(throttle.MAX_FAILURES):
                await _fail(store, victim, max_rows=cap)
            flood = []
            for i in range(50):
                clock.advance(timedelta(milliseconds=10))
                guard = guessing.conference("9" * 20 + str(i), "10.0.0.9", clock.now())
                flood.append(guard.key)
                await _fail(store, guard, max_rows=cap)
                assert len(await _keys(store)) <= cap
            kept = await _keys(store)
            assert victim.key in kept, "the live lockout outlives the flood"
            assert kept - {victim.key} == set(flood[-(cap - 1) :]), "the newest idle counters stay"
            async with store.write() as tx:
                with pytest.raises(errors.ControlLoginLocked):
                    await victim.check(tx)
            assert all(len(k) == 64 for k in kept)
        finally:
            await store.close()

    asyncio.run(scenario())
