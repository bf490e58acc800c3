"""`overtime serve | users add | apps add | migrate` (BEHAVIOUR §7). Thin: parse, build, call."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from overtime.domain.clock import Clock, OffsetClock, SystemClock
from overtime.domain.errors import DomainError
from overtime.domain.webhooks import WebhookOptions
from overtime.services import auth
from overtime.services.context import Context
from overtime.settings import Settings
from overtime.storage.sql import Store, migrate

T = TypeVar("T")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"OVERTIME_{name}", default)


def _add_storage_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database",
        default=_env("DATABASE", ""),
        help="database URL (sqlite:///PATH or postgresql://...); default: SQLite in the data dir",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path(_env("DATA_DIR", ".overtime") or ".overtime"),
        help="where the SQLite file and the generated TLS files live (default .overtime)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="overtime", description="Meeting control server speaking Huawei Cloud Meeting's REST API."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTPS server")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8443") or "8443"))
    serve.add_argument("--tls-cert", type=Path, default=_env("TLS_CERT"))
    serve.add_argument("--tls-key", type=Path, default=_env("TLS_KEY"))
    serve.add_argument(
        "--db-pool-size",
        type=int,
        default=int(_env("DB_POOL_SIZE", "10") or "10"),
        help="PostgreSQL connections each server keeps open (as many more under a burst; default 10)",
    )
    serve.add_argument(
        "--ws-idle-timeout",
        type=float,
        default=float(_env("WS_IDLE_TIMEOUT", "180") or "180"),
        help="seconds without a frame after which the meeting-control WebSocket is closed (default 180)",
    )
    serve.add_argument(
        "--webhook-ca",
        type=Path,
        default=_env("WEBHOOK_CA"),
        help="extra CA certificates (PEM) trusted for webhook subscribers, besides the system store",
    )
    serve.add_argument(
        "--sandbox",
        action="store_true",
        default=(_env("SANDBOX", "") or "").lower() in ("1", "true", "yes"),
        help="enable the sandbox API: a movable shared clock, participants, the ledger (for tests)",
    )
    _add_storage_flags(serve)

    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="action", required=True)
    add_user = users.add_parser("add", help="create an account for account/password authentication")
    add_user.add_argument("account")
    add_user.add_argument("--password", required=True)
    add_user.add_argument("--name", default="")
    add_user.add_argument(
        "--admin", action="store_true", help="an enterprise admin: sees all of the enterprise's meetings"
    )
    add_user.add_argument("--corp", default=_env("CORP", "default"), help="the enterprise (corp) id")
    _add_storage_flags(add_user)

    apps = sub.add_parser("apps", help="manage App IDs").add_subparsers(dest="action", required=True)
    add_app = apps.add_parser("add", help="register an App ID for App ID authentication; prints its key")
    add_app.add_argument("app_id")
    add_app.add_argument("--key", default=None, help="the App key (default: a new random one)")
    add_app.add_argument("--corp", default=_env("CORP", "default"), help="the enterprise (corp) id")
    _add_storage_flags(add_app)

    migrate_cmd = sub.add_parser("migrate", help="apply database migrations and exit")
    _add_storage_flags(migrate_cmd)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        host=getattr(args, "host", "127.0.0.1"),
        port=getattr(args, "port", 8443),
        data_dir=args.data_dir,
        database=args.database or "",
        tls_cert=getattr(args, "tls_cert", None),
        tls_key=getattr(args, "tls_key", None),
        sandbox=getattr(args, "sandbox", False),
        ws_idle_seconds=getattr(args, "ws_idle_timeout", 180.0),
        db_pool_size=getattr(args, "db_pool_size", 10),
        webhook_ca=getattr(args, "webhook_ca", None),
        webhook_retry_base_seconds=float(_env("WEBHOOK_RETRY_BASE_SECONDS", "1") or "1"),
    )


def _with_context(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)

    async def run() -> T:
        store = Store(settings.database_url)
        try:
            return await work(Context(store, SystemClock()))
        finally:
            await store.close()

    return asyncio.run(run())


def _serve(settings: Settings) -> None:
    from granian.constants import HTTPModes, Interfaces, SSLProtocols
    from granian.http import HTTP1Settings
    from granian.server.embed import Server

    from overtime.api.app import create_app
    from overtime.tls import TlsFiles, ensure_local_ca

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    if settings.webhook_ca is not None and not settings.webhook_ca.is_file():
        sys.exit(f"overtime: --webhook-ca {settings.webhook_ca}: no such file")
    if settings.tls_cert and settings.tls_key:
        tls = TlsFiles(settings.tls_cert, settings.tls_key, None)
    elif settings.tls_cert or settings.tls_key:
        sys.exit("overtime: --tls-cert and --tls-key go together")
    else:
        tls = ensure_local_ca(settings.data_dir / "tls", settings.host, SystemClock().now())
        print(
            f"overtime: CA certificate (for HttpConfig.ssl_ca_cert): {tls.ca.resolve() if tls.ca else ''}",
            flush=True,
        )

    async def run() -> None:
        store = Store(settings.database_url, pool_size=settings.db_pool_size)
        clock: Clock = OffsetClock(SystemClock()) if settings.sandbox else SystemClock()
        options = WebhookOptions(
            ca_file=settings.webhook_ca, retry_base_seconds=settings.webhook_retry_base_seconds
        )
        ctx = Context(store, clock, webhooks=options)
        server = Server(
            create_app(ctx, sandbox=settings.sandbox, ws_idle_seconds=settings.ws_idle_seconds),
            address=settings.host,
            port=settings.port,
            interface=Interfaces.ASGI,
            ssl_cert=tls.cert,
            ssl_key=tls.key,
            ssl_protocol_min=SSLProtocols.tls12,
            # HTTP/1.1 only: granian's header timeout then also closes a connection that finished
            # TLS and never sent a byte (in auto mode such a connection stays open for ever), and
            # the read buffer bounds request headers to 64 KiB (431 beyond).
            http=HTTPModes.http1,
            http1_settings=HTTP1Settings(header_read_timeout=10_000, max_buffer_size=64 * 1024),
            log_level="warning",  # type: ignore[arg-type]
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        print(
            f"overtime: serving https://{settings.host}:{settings.port}"
            f"{' in sandbox mode' if settings.sandbox else ''} with {_redact(settings.database_url)}",
            flush=True,
        )
        await server.serve()

    asyncio.run(run())


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    settings = _settings(args)
    try:
        if args.command == "serve":
            _serve(settings)
        elif args.command == "users":
            account = _with_context(
                settings,
                lambda ctx: auth.create_account(
                    ctx,
                    args.account,
                    args.password,
                    name=args.name,
                    corp_id=args.corp,
                    is_admin=args.admin,
                ),
            )
            print(
                f"Account {account.account} created (userUUID {account.id}, corp {account.corp_id}"
                f"{', admin' if account.is_admin else ''})."
            )
        elif args.command == "apps":
            key = args.key or secrets.token_hex(24)
            app = _with_context(settings, lambda ctx: auth.create_app(ctx, args.app_id, key, args.corp))
            print(f"App ID: {app.app_id} (corp {app.corp_id})")
            print(f"App key: {app.app_key}")
        elif args.command == "migrate":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            migrate(settings.database_url)
            print("Database is up to date.")
    except DomainError as e:
        sys.exit(f"overtime: {e.message}")
