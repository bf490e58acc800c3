"""One typed Settings object, from command-line flags with `OVERTIME_*` environment fallbacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8443
    data_dir: Path = Path(".overtime")
    database: str = ""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    sandbox: bool = False
    ws_idle_seconds: float = 180.0
    db_pool_size: int = 10
    webhook_ca: Path | None = None
    """Extra CA certificates trusted for webhook subscribers (besides the system trust store)."""
    webhook_retry_base_seconds: float = 1.0
    """The first webhook retry delay (then doubling, capped at 10 minutes);
    `OVERTIME_WEBHOOK_RETRY_BASE_SECONDS`, for tests."""

    @property
    def database_url(self) -> str:
        """The configured database, or SQLite in the data directory."""
        return self.database or f"sqlite:///{(self.data_dir / 'overtime.db').resolve()}"
