"""`overtime serve | users add | apps add | migrate | snapshot save/load |
webhooks listen` (BEHAVIOUR §7). Thin: parse, build, call.

Every failure ends in one line on stderr naming the bad value: exit code 2 for a bad flag or
environment value, 1 when the server or the database cannot do what was asked."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import secrets
import signal
import sys
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn, TypeVar

import msgspec
from sqlalchemy.exc import SQLAlchemyError

from overtime.domain.clock import SystemClock
from overtime.domain.errors import DomainError
from overtime.domain.webhooks import WebhookOptions
from overtime.services import auth
from overtime.services.context import Context
from overtime.settings import CliError, Settings, UsageError, from_args, redact_url, value
from overtime.storage.sql import Store, migrate

T = TypeVar("T")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A usage error is one line too (argparse prints the usage and the message)."""
        raise UsageError(f"{message} (see {self.prog} --help)")


def _add_storage_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database",
        help="database URL (sqlite:///PATH or postgresql://...); default: SQLite in the data dir",
    )
    p.add_argument(
        "--data-dir",
        help="where the SQLite file and the generated TLS files live (default .overtime; created 0700)",
    )


def _add_serve_flags(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", help="port to listen on, 1-65535 (default 8443); a busy one is refused")
    serve.add_argument(
        "--tls-cert", help="the server certificate (PEM); default: one minted under DATA_DIR/tls"
    )
    serve.add_argument("--tls-key", help="the server certificate's private key (PEM)")
    serve.add_argument(
        "--db-pool-size",
        help="PostgreSQL connections each server keeps open (as many more under a burst; default 10)",
    )
    serve.add_argument(
        "--ws-idle-timeout",
        help="seconds without a frame after which the meeting-control WebSocket is closed (default 180)",
    )
    serve.add_argument(
        "--webhook-ca",
        help="extra CA certificates (PEM) trusted for webhook subscribers, besides the system store",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        help="comma-separated IPs or CIDR networks of reverse proxies trusted to name the client in "
        "X-Forwarded-For (and the scheme in X-Forwarded-Proto), or * for every peer, as in uvicorn "
        "and gunicorn; default empty: trust nobody, the peer is the client",
    )
    serve.add_argument(
        "--sandbox",
        action="store_true",
        default=None,
        help="enable the sandbox API: a movable shared clock, participants, the ledger (for tests)",
    )
    serve.add_argument(
        "--load",
        metavar="FILE",
        help="with --sandbox: replace the database's whole state with this snapshot before serving",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="overtime",
        description="Meeting control server speaking Huawei Cloud Meeting's REST API. "
        "Every option has an OVERTIME_* environment variable (OVERTIME_PORT, OVERTIME_DATABASE, ...).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTPS server")
    _add_serve_flags(serve)
    _add_storage_flags(serve)

    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="action", required=True)
    add_user = users.add_parser(
        "add",
        help="create an account for account/password authentication",
        description="The password comes from --password, --password-stdin, or else a prompt.",
    )
    add_user.add_argument("account")
    password = add_user.add_mutually_exclusive_group()
    password.add_argument("--password", help="the password (visible in ps and the shell's history)")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    add_user.add_argument("--name", default="")
    add_user.add_argument(
        "--admin", action="store_true", help="an enterprise admin: sees all of the enterprise's meetings"
    )
    add_user.add_argument("--corp", help="the enterprise (corp) id (default: OVERTIME_CORP or default)")
    _add_storage_flags(add_user)

    apps = sub.add_parser("apps", help="manage App IDs").add_subparsers(dest="action", required=True)
    add_app = apps.add_parser("add", help="register an App ID for App ID authentication; prints its key")
    add_app.add_argument("app_id")
    add_app.add_argument("--key", default=None, help="the App key (default: a new random one)")
    add_app.add_argument("--corp", help="the enterprise (corp) id (default: OVERTIME_CORP or default)")
    _add_storage_flags(add_app)

    migrate_cmd = sub.add_parser("migrate", help="apply database migrations and exit")
    _add_storage_flags(migrate_cmd)

    hooks = sub.add_parser("webhooks", help="webhook tools").add_subparsers(dest="action", required=True)
    listen_cmd = hooks.add_parser(
        "listen",
        help="a local HTTPS webhook subscriber relaying every callback to your app",
        description="Relays each callback, unchanged (signature included), to --forward-to and the "
        "app's answer back. Start the server with --webhook-ca DATA_DIR/listen/ca.pem and subscribe "
        "the printed URL.",
    )
    listen_cmd.add_argument(
        "--forward-to", required=True, help="your app's webhook URL (http:// or https://)"
    )
    listen_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    listen_cmd.add_argument("--port", default="0", help="port to listen on (default: a free one, printed)")
    _add_storage_flags(listen_cmd)

    snapshot = sub.add_parser("snapshot", help="save or load the whole state (sandbox snapshots)")
    snapshot_actions = snapshot.add_subparsers(dest="action", required=True)
    for action, text in (
        ("save", "write the database's whole state to FILE (JSON)"),
        ("load", "replace the database's whole state with FILE's (stop servers on it first)"),
    ):
        cmd = snapshot_actions.add_parser(action, help=text)
        cmd.add_argument("file", metavar="FILE")
        _add_storage_flags(cmd)
    return parser


# -- checks of the account and App commands -----------------------------------------------------


def _name(kind: str, text: str) -> str:
    """An account, App ID or corp id: not blank, no control characters; accounts and App IDs
    also without ':' (Basic auth and the App ID signature split at colons)."""
    shown = f"{kind} {text!r}"
    if not text.strip():
        raise UsageError(f"{shown}: must not be empty")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise UsageError(f"{shown}: must not contain control characters")
    if kind != "--corp" and ":" in text:
        raise UsageError(f"{shown}: must not contain ':' (Basic auth splits at it, so it could never log in)")
    return text


def _corp(args: argparse.Namespace) -> str:
    corp: str = value(args, "corp", "default").text
    return _name("--corp", corp)


def _password(args: argparse.Namespace) -> str:
    password: str
    if args.password is not None:
        password, source = args.password, "--password ''"
    elif args.password_stdin:
        password, source = sys.stdin.readline().rstrip("\r\n"), "the password on standard input"
    elif sys.stdin.isatty():
        password, source = getpass.getpass("Password: "), "the password"
        if getpass.getpass("Password (again): ") != password:
            raise UsageError("the two passwords differ")
    else:
        raise UsageError(
            "no password: give --password-stdin and the password on standard input, or run in a terminal"
        )
    if not password:
        raise UsageError(f"{source}: must not be empty")
    return password


# -- commands -----------------------------------------------------------------------------------


def _prepare_storage(settings: Settings) -> None:
    """The data directory (0700 when created here) and the schema; CliError naming what failed."""
    try:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise CliError(f"--data-dir {settings.data_dir}: cannot create it ({e.strerror})") from None
    url = settings.database_url
    try:
        migrate(url)
    except SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        raise CliError(f"database {redact_url(url)}: {reason}") from None
    except OSError as e:
        raise CliError(f"database {redact_url(url)}: {e.strerror or e}") from None


def _with_context(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    _prepare_storage(settings)

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

    from overtime.api.app import create_app
    from overtime.listener import SocketServer, listen
    from overtime.runtime import Runtime
    from overtime.runtime import context as runtime_context
    from overtime.tls import ensure_local_ca, operator_files

    if settings.tls_cert and settings.tls_key:
        try:
            tls = operator_files(settings.tls_cert, settings.tls_key)
        except ValueError as e:
            raise UsageError(str(e)) from None
    sock = listen(settings.host, settings.port)  # before anything is announced: a busy port ends here
    _prepare_storage(settings)
    if not (settings.tls_cert and settings.tls_key):
        try:
            tls = ensure_local_ca(settings.data_dir / "tls", settings.host, SystemClock().now())
        except OSError as e:
            raise CliError(
                f"{settings.data_dir / 'tls'}: cannot write the TLS files ({e.strerror})"
            ) from None
        print(
            f"overtime: CA certificate (for HttpConfig.ssl_ca_cert): {tls.ca.resolve() if tls.ca else ''}",
            flush=True,
        )

    async def run() -> None:
        app_context = runtime_context(
            settings.database_url,
            pool_size=settings.db_pool_size,
            sandbox=settings.sandbox,
            webhooks=WebhookOptions(
                ca_file=settings.webhook_ca, retry_base_seconds=settings.webhook_retry_base_seconds
            ),
        )
        app = create_app(
            Runtime.build(app_context, sandbox=settings.sandbox),
            ws_idle_seconds=settings.ws_idle_seconds,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
        server = SocketServer(
            app,
            sock,
            interface=Interfaces.ASGI,
            ssl_cert=tls.cert,
            ssl_key=tls.key,
            ssl_protocol_min=SSLProtocols.tls12,
            # HTTP/1.1 only: granian's header timeout then also closes a connection that finished
            # TLS and never sent a byte (in auto mode such a connection stays open for ever), and
            # the read buffer bounds request headers to 64 KiB (431 beyond).
            http=HTTPModes.http1,
            http1_settings=HTTP1Settings(header_read_timeout=10_000, max_buffer_size=64 * 1024),
            log_level="warning",
        )
        loop = asyncio.get_running_loop()
        halt: Callable[[], None] = server.stop

        def stop() -> None:
            if settings.sandbox:  # open journal streams would hold the shutdown up
                from overtime.api.toolkit_middleware import close_streams

                close_streams(app_context)
            halt()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(
            f"overtime: serving https://{host}:{settings.port}"
            f"{' in sandbox mode' if settings.sandbox else ''} with {redact_url(settings.database_url)}",
            flush=True,
        )
        await server.serve()

    asyncio.run(run())


def _add_user(args: argparse.Namespace, settings: Settings) -> None:
    account, corp = _name("account", args.account), _corp(args)
    password = _password(args)
    created = _with_context(
        settings,
        lambda ctx: auth.create_account(
            ctx, account, password, name=args.name, corp_id=corp, is_admin=args.admin
        ),
    )
    print(
        f"Account {created.account} created (userUUID {created.id}, corp {created.corp_id}"
        f"{', admin' if created.is_admin else ''})."
    )


def _add_app(args: argparse.Namespace, settings: Settings) -> None:
    app_id, corp = _name("App ID", args.app_id), _corp(args)
    if args.key is not None and not args.key.strip():
        raise UsageError("--key '': must not be empty (leave it out for a random key)")
    key = args.key or secrets.token_hex(24)
    app = _with_context(settings, lambda ctx: auth.create_app(ctx, app_id, key, corp))
    print(f"App ID: {app.app_id} (corp {app.corp_id})")
    print(f"App key: {app.app_key}")


def _save_snapshot(path: str, settings: Settings) -> None:
    from overtime.services import toolkit

    document = _with_context(settings, toolkit.snapshot)
    try:
        with open(path, "wb") as f:
            f.write(msgspec.json.encode(document))
    except OSError as e:
        raise CliError(f"{path}: cannot write it ({e.strerror})") from None
    rows = sum(len(v) for v in document["tables"].values())
    print(f"Snapshot saved to {path} ({rows} rows, format version {document['version']}).")


def _load_snapshot(path: str, settings: Settings) -> None:
    from overtime.services import toolkit

    try:
        with open(path, "rb") as f:
            document = msgspec.json.decode(f.read())
    except OSError as e:
        raise CliError(f"{path}: cannot read it ({e.strerror})") from None
    except msgspec.DecodeError as e:
        raise CliError(f"{path}: not JSON ({e})") from None
    _with_context(settings, lambda ctx: toolkit.restore(ctx, asyncio.Lock(), document))
    print(f"Snapshot {path} loaded.")


def _listen(args: argparse.Namespace, settings: Settings) -> None:
    from overtime import webhook_listen

    target = args.forward_to
    if not target.startswith(("http://", "https://")):
        raise UsageError(f"--forward-to {target!r}: must be an http:// or https:// URL")
    try:
        port = int(args.port)
    except ValueError:
        raise UsageError(f"--port {args.port!r}: must be a number from 0 to 65535") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {args.port!r}: must be a number from 0 to 65535")
    try:
        webhook_listen.serve(target, host=args.host, port=port, directory=settings.data_dir / "listen")
    except OSError as e:
        raise CliError(f"{args.host}:{port}: cannot listen ({e.strerror})") from None


def _run(args: argparse.Namespace) -> None:
    settings = from_args(args)
    if args.command == "serve":
        if args.load is not None:
            if not settings.sandbox:
                raise UsageError("--load needs --sandbox (it replaces the whole database)")
            _load_snapshot(args.load, settings)
        _serve(settings)
    elif args.command == "webhooks":
        _listen(args, settings)
    elif args.command == "snapshot":
        if args.action == "save":
            _save_snapshot(args.file, settings)
        else:
            _load_snapshot(args.file, settings)
    elif args.command == "users":
        _add_user(args, settings)
    elif args.command == "apps":
        _add_app(args, settings)
    elif args.command == "migrate":
        _prepare_storage(settings)
        print("Database is up to date.")


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        _run(_parser().parse_args(argv))
    except CliError as e:
        print(f"overtime: {e.message}", file=sys.stderr, flush=True)
        sys.exit(e.exit_code)
    except DomainError as e:
        print(f"overtime: {e.message}", file=sys.stderr, flush=True)
        sys.exit(1)
