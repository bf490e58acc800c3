"""`OvertimeServer`: a sandbox server in a thread of this process (see `overtime.testing`)."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when used: the pytest plugin loads this module in every session
    import httpx

T = TypeVar("T")

DEFAULT_CORP = "overtime-test"
START_TIMEOUT = 30.0


class OvertimeServer:
    """One sandbox server; `start()`/`stop()` or a `with` block. `reset()` wipes everything
    (accounts, apps, meetings, webhooks, clock offset, journal, fault rules)."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        webhook_ca: str | Path | None = None,
    ) -> None:
        """`webhook_ca`: extra CA certificates (PEM) trusted for webhook subscribers."""
        self.webhook_ca = Path(webhook_ca) if webhook_ca is not None else None
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="overtime-"))
        self.host = host
        self.port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._granian: Any = None
        self._ctx: Any = None
        self._error: BaseException | None = None
        self._http: httpx.Client | None = None
        self._sdk_clients: list[Any] = []

    # -- life ------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def ca_file(self) -> str:
        return str(self.data_dir / "tls" / "ca.pem")

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts exactly the server's CA (for httpx, `websockets`, ...)."""
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'overtime.db'}"

    def start(self) -> OvertimeServer:
        import httpx

        from overtime.domain.clock import SystemClock
        from overtime.listener import listen
        from overtime.storage.sql import migrate
        from overtime.tls import ensure_local_ca

        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        sock = listen(self.host, 0)
        self.port = sock.getsockname()[1]
        migrate(self.database_url)
        tls = ensure_local_ca(self.data_dir / "tls", self.host, SystemClock().now())
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sock, tls, ready), name=f"overtime-server-{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT) or self._error is not None:
            raise RuntimeError(f"Overtime did not start: {self._error!r}")
        self._http = httpx.Client(base_url=self.url, verify=self.ssl_context(), timeout=30)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self._http.get("/health").status_code == 200:
                    return self
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.02)

    def _run(self, sock: Any, tls: Any, ready: threading.Event) -> None:

        from overtime.api.app import create_app
        from overtime.domain.webhooks import WebhookOptions
        from overtime.listener import https_server
        from overtime.runtime import Runtime
        from overtime.runtime import context as runtime_context

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._ctx = runtime_context(
                self.database_url,
                pool_size=4,
                sandbox=True,
                webhooks=WebhookOptions(ca_file=self.webhook_ca, retry_base_seconds=1.0),
            )
            app = create_app(Runtime.build(self._ctx, sandbox=True))
            self._granian = https_server(app, sock, tls.cert, tls.key)
            self._loop.call_soon(ready.set)
            await self._granian.serve()

        try:
            asyncio.run(main())
        except BaseException as e:
            self._error = e
            ready.set()

    def stop(self) -> None:
        self._close_sdk_clients()
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._loop is not None and self._granian is not None and self._thread is not None:
            from overtime.api.toolkit_middleware import close_streams

            self._loop.call_soon_threadsafe(close_streams, self._ctx)
            self._loop.call_soon_threadsafe(self._granian.stop)
            self._thread.join(30)
        self._thread = None
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> OvertimeServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        """An HTTPS client of the server (trusting its CA)."""
        if self._http is None:
            raise RuntimeError("the server is not running (use start() or a with block)")
        return self._http

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            raise RuntimeError("the server is not running (use start() or a with block)")
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self._loop)
        return future.result(60)

    def _ok(self, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise AssertionError(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
            )
        return response.json()

    def reset(self) -> None:
        """Wipes every account, app, meeting, webhook subscription, the clock offset, the
        journal and the fault rules; closes the SDK clients made so far."""
        self._close_sdk_clients()
        self._ok(self.http.post("/sandbox/v1/wipe"))

    def add_user(
        self,
        account: str,
        password: str | None = None,
        *,
        admin: bool = False,
        name: str = "",
        corp: str = DEFAULT_CORP,
    ) -> tuple[str, str]:
        """Creates an account (enterprise admin with `admin=True`); returns (account, password)."""
        from overtime.services import auth

        password = password or "Pw-" + secrets.token_hex(8)
        self._call(auth.create_account(self._ctx, account, password, name=name, corp_id=corp, is_admin=admin))
        return account, password

    def add_app(
        self, app_id: str, app_key: str | None = None, *, corp: str = DEFAULT_CORP
    ) -> tuple[str, str]:
        """Registers an App ID; returns (app_id, app_key)."""
        from overtime.services import auth

        app_key = app_key or secrets.token_hex(24)
        self._call(auth.create_app(self._ctx, app_id, app_key, corp))
        return app_id, app_key

    def sdk_client(self, account: str, password: str) -> Any:
        """An official-SDK `MeetingClient` pointed at this server, verifying its CA (needs
        `huaweicloudsdkmeeting`)."""
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkmeeting.v1 import MeetingClient
        from huaweicloudsdkmeeting.v1.meeting_credentials import MeetingCredentials

        config = HttpConfig.get_default_config()
        config.ssl_ca_cert = self.ca_file
        client = (
            MeetingClient.new_builder()
            .with_http_config(config)
            .with_credentials(MeetingCredentials(account, password))
            .with_endpoints([self.url])
            .build()
        )
        self._sdk_clients.append(client)
        return client

    def _close_sdk_clients(self) -> None:
        for client in self._sdk_clients:
            http = client.get_http_client()
            http.close()
            http.executor.shutdown(wait=False)
        self._sdk_clients.clear()

    # -- the sandbox API -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox clock."""
        return datetime.fromtimestamp(self._ok(self.http.get("/sandbox/v1/clock"))["now"] / 1000, UTC)

    def advance(self, minutes: float = 0, seconds: float = 0) -> datetime:
        """Moves the sandbox clock forward (every deadline on the way applies); the new now."""
        body = self._ok(self.http.post("/sandbox/v1/clock/advance", json={"seconds": minutes * 60 + seconds}))
        return datetime.fromtimestamp(body["now"] / 1000, UTC)

    def join(self, conference_id: str, name: str = "participant", role: int = 0) -> str:
        """A simulated participant joins; its participant id."""
        path = f"/sandbox/v1/conferences/{conference_id}/participants"
        pid: str = self._ok(self.http.post(path, json={"name": name, "role": role}))["participantID"]
        return pid

    def leave(self, conference_id: str, participant_id: str) -> None:
        self._ok(self.http.delete(f"/sandbox/v1/conferences/{conference_id}/participants/{participant_id}"))

    def events(self, conference_id: str) -> list[dict[str, Any]]:
        """The meeting's ledger (BEHAVIOUR §6)."""
        events: list[dict[str, Any]] = self._ok(
            self.http.get(f"/sandbox/v1/conferences/{conference_id}/events")
        )
        return events

    def requests(
        self,
        operation: str | None = None,
        *,
        status: int | None = None,
        conference_id: str | None = None,
        since: int | None = None,
        after: int | None = None,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        """The request journal, oldest first, filtered."""
        params = {
            "operation": operation,
            "status": status,
            "conferenceID": conference_id,
            "since": since,
            "after": after,
            "kind": kind,
        }
        query = {k: v for k, v in params.items() if v is not None}
        data: list[dict[str, Any]] = self._ok(self.http.get("/sandbox/v1/requests", params=query))["data"]
        return data

    def seed(self, seed: int | None) -> None:
        """From now on conference ids, passwords, uuids and tokens come from `seed` (None: real
        randomness again; a reset does that too)."""
        self._ok(self.http.post("/sandbox/v1/seed", json={"seed": seed}))

    def deliveries(self, conference_id: str | None = None) -> list[dict[str, Any]]:
        """Webhook deliveries, oldest first."""
        query = {"conferenceID": conference_id} if conference_id else {}
        data: list[dict[str, Any]] = self._ok(self.http.get("/sandbox/v1/webhooks/deliveries", params=query))[
            "data"
        ]
        return data

    def resend(self, delivery_id: int) -> None:
        self._ok(self.http.post(f"/sandbox/v1/webhooks/deliveries/{delivery_id}/resend"))

    def trigger(self, event: str, conference_id: str) -> None:
        """Queues webhook `event` about the meeting to its corp's subscription."""
        self._ok(
            self.http.post(
                "/sandbox/v1/webhooks/trigger", json={"event": event, "conferenceID": conference_id}
            )
        )

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Adds a fault rule (`action=` "error", "delay", "drop" or "close_websockets", and what to
        match: `operation=` or `method=`/`path=`, ...); the rule as stored, with its `id`."""
        added: dict[str, Any] = self._ok(self.http.post("/sandbox/v1/faults", json=rule))
        return added

    def faults(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self._ok(self.http.get("/sandbox/v1/faults"))
        return rules

    def delete_fault(self, rule_id: int) -> None:
        self._ok(self.http.delete(f"/sandbox/v1/faults/{rule_id}"))

    def clear_faults(self) -> None:
        self._ok(self.http.delete("/sandbox/v1/faults"))
