"""Shared test support. This package holds what more than one suite uses:

- `support` (this module): a real Overtime server in a subprocess, over HTTPS on loopback, its
  accounts and apps, and the PostgreSQL databases of the test run;
- `support.formats`: wire times, epoch milliseconds, `Basic` credentials;
- `support.sandbox`: the sandbox API (movable clock, participants, ledger);
- `support.sdk`: the official SDK's `MeetingClient` built against a test server, and one-liners.

The fixtures built on them live in `tests/conftest.py`."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from support.formats import basic


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Account:
    account: str
    password: str
    corp: str


@dataclass
class App:
    app_id: str
    app_key: str
    corp: str


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 10 s."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@dataclass
class Server:
    """One `overtime serve` process; `start`, `kill` and `restart` keep its data directory."""

    data_dir: Path
    extra_args: list[str] = field(default_factory=list)
    database_url: str | None = None
    """A PostgreSQL URL; None for SQLite in the data directory."""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_path(self) -> Path:
        return self.data_dir / "tls" / "ca.pem"

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts exactly the server's generated CA."""
        return ssl.create_default_context(cafile=str(self.ca_path))

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'overtime.db'}"

    @property
    def storage_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        return [*args, "--database", self.database_url] if self.database_url else args

    def sql(self, statement: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Runs one statement straight on the server's database (`?` placeholders)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as con:
                cur = con.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
                return list(cur.fetchall()) if cur.description else []
        import sqlite3

        con = sqlite3.connect(self.data_dir / "overtime.db")
        try:
            with con:
                return list(con.execute(statement, params).fetchall())
        finally:
            con.close()

    def stored_bytes(self) -> bytes:
        """Everything the database holds, as bytes, to look for secrets stored in clear."""
        if not self.database_url:
            return b"".join(p.read_bytes() for p in self.data_dir.glob("overtime.db*"))
        dump = []
        for (table,) in self.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"):
            dump += [repr(row) for row in self.sql(f"SELECT * FROM {table}")]
        return "\n".join(dump).encode()

    def _run_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "overtime", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )

    def cli(self, *args: str) -> str:
        """Runs an `overtime` subcommand against this server's database; returns its stdout."""
        return self._run_cli(*args, *self.storage_args).stdout

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - closed with the process
        # Many servers share one PostgreSQL (max_connections 100) during a test run: small pools.
        env = {"OVERTIME_DB_POOL_SIZE": "4", **os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "overtime",
                "serve",
                "--port",
                str(self.port),
                *self.storage_args,
                *self.extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data_dir / 'server.log').read_text()}")
            if self.ca_path.exists():
                try:
                    r = httpx.get(f"{self.url}/health", verify=self.ssl_context(), timeout=1)
                    if r.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"server not ready: {(self.data_dir / 'server.log').read_text()}")

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- fixtures for tests -------------------------------------------------------------------

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(**{"base_url": self.url, "verify": self.ssl_context(), "timeout": 30, **kwargs})

    def add_user(
        self,
        account: str | None = None,
        password: str | None = None,
        *,
        admin: bool = False,
        name: str | None = None,
        corp: str = "corp-test",
    ) -> Account:
        account = account or unique("user")
        password = password or "Pw-" + secrets.token_hex(8)
        args = ["users", "add", account, "--password", password, "--corp", corp]
        if admin:
            args.append("--admin")
        if name:
            args += ["--name", name]
        self.cli(*args)
        return Account(account, password, corp)

    def add_app(self, app_id: str | None = None, *, corp: str = "corp-test") -> App:
        app_id = app_id or unique("app")
        out = self.cli("apps", "add", app_id, "--corp", corp)
        key = out.strip().splitlines()[-1].split()[-1]
        return App(app_id, key, corp)

    def login(self, who: Account) -> str:
        """Account/password auth; returns the access token."""
        with self.client() as c:
            r = c.post(
                "/v1/usg/acs/auth/account",
                headers={"Authorization": basic(f"{who.account}:{who.password}")},
                json={"account": who.account, "clientType": 72},
            )
        r.raise_for_status()
        token: str = r.json()["accessToken"]
        return token


ServerFactory = Callable[..., Server]
"""make_server(data_dir, extra_args=None, *, database_url=None) -> a started Server."""


def expire_tokens(server: Server, table: str) -> None:
    """Makes every token in `table` ("access_tokens" or "control_tokens") expired, straight in
    the server's database: expiry is stored as epoch milliseconds in `expires_at`."""
    assert table in ("access_tokens", "control_tokens")
    server.sql(f"UPDATE {table} SET expires_at = 0")


# -- PostgreSQL ---------------------------------------------------------------------------------

PG_ADMIN_URL = os.environ.get("OVERTIME_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def create_pg_database() -> str:
    """A fresh, empty database of this test's own; returns its URL."""
    import psycopg

    name = "overtime_test_" + secrets.token_hex(6)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def require_postgres() -> None:
    """Skips the calling test when PostgreSQL does not answer, except in CI, where it fails."""
    import pytest

    if postgres_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but PostgreSQL does not answer at 127.0.0.1:5432")
    pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")


@contextlib.contextmanager
def replica_servers(root: Path, count: int, extra_args: list[str]) -> Iterator[list[Server]]:
    """`count` servers started on one fresh PostgreSQL database; stopped and dropped after."""
    require_postgres()
    url = create_pg_database()
    servers = [
        Server(root / f"replica{i}", extra_args=list(extra_args), database_url=url) for i in range(count)
    ]
    try:
        for srv in servers:
            srv.start()
        yield servers
    finally:
        for srv in servers:
            srv.stop()
        drop_pg_database(url)
