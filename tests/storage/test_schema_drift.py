"""The Alembic migrations build exactly the schema that `storage/tables.py` declares, on SQLite and
PostgreSQL (alembic's autogenerate comparison): the two can never drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from overtime.storage.sql import migrate
from overtime.storage.tables import metadata
from support import create_pg_database, drop_pg_database


def _differences(url: str) -> list[Any]:
    migrate(url)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_match_the_table_definitions(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        assert _differences(f"sqlite:///{tmp_path / 'drift.db'}") == []
        return
    url = create_pg_database()
    try:
        assert _differences(url) == []
    finally:
        drop_pg_database(url)
