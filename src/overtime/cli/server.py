"""`overtime serve | users add | apps add | migrate | snapshot save/load | webhooks listen`
(BEHAVIOUR §7): the server's side of the command line. Thin: parse, build, call. Failures raise
`CliError` (one line, `overtime.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import secrets
import signal
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import msgspec
from sqlalchemy.exc import SQLAlchemyError

from overtime.cli.options import env_flag, env_option, namespace
from overtime.domain.clock import SystemClock
from overtime.domain.webhooks import WebhookOptions
from overtime.services import auth
from overtime.services.context import Context
from overtime.settings import CliError, Settings, UsageError, from_args, redact_url, value
from overtime.storage.sql import Store, migrate

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def storage_options(f: F) -> F:
    f = env_option(
        "data-dir", "where the SQLite file and the generated TLS files live (created 0700)", ".overtime"
    )(f)
    return env_option(
        "database", "database URL (sqlite:///PATH or postgresql://...)", "SQLite in the data dir"
    )(f)


def serve_options(f: F) -> F:
    for option in reversed(
        [
            env_option("host", "address to listen on", "127.0.0.1"),
            env_option("port", "port to listen on, 1-65535; a busy one is refused", "8443"),
            env_option("tls-cert", "the server certificate (PEM)", "one minted under DATA_DIR/tls"),
            env_option("tls-key", "the server certificate's private key (PEM)", ""),
            env_option(
                "db-pool-size",
                "PostgreSQL connections each server keeps open (as many more under a burst)",
                "10",
            ),
            env_option(
                "ws-idle-timeout",
                "seconds without a frame after which the meeting-control WebSocket is closed",
                "180",
            ),
            env_option(
                "webhook-ca",
                "extra CA certificates (PEM) trusted for webhook subscribers, besides the system store",
                "",
            ),
            env_option(
                "forwarded-allow-ips",
                "comma-separated IPs or CIDR networks of reverse proxies trusted to name the client in "
                "X-Forwarded-For (and the scheme in X-Forwarded-Proto), or * for every peer, as in uvicorn "
                "and gunicorn; empty: trust nobody, the peer is the client",
                "",
            ),
            env_flag("sandbox", "enable the sandbox API: a movable shared clock, participants, the ledger"),
            env_option(
                "metrics-listen",
                "where GET /metrics (Prometheus) is served: main (the HTTPS listener), HOST:PORT (plain "
                "HTTP on a listener of its own) or off",
                "main",
            ),
            env_option(
                "media",
                "none (the control plane alone) or janus (Overtime governs a Janus video-room server)",
                "none",
            ),
            env_option("janus-url", "with --media janus: Janus' HTTP API (http://127.0.0.1:8088/janus)", ""),
            env_option(
                "janus-events-secret",
                "with --media janus: the password Janus' event handler posts with (HTTP Basic, user janus; "
                "at least 16 characters)",
                "",
            ),
            env_option(
                "janus-events-listen",
                "with --media janus: the plain-HTTP listener of POST /integrations/janus/events (HOST:PORT, "
                "or off: the HTTPS listener only)",
                "127.0.0.1:8089",
            ),
            env_option("log-format", "log lines on stderr: text (logfmt) or json", "text"),
            env_option("log-level", "debug, info, warning or error", "info"),
        ]
    ):
        f = option(f)
    return f


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

    from overtime import logs
    from overtime.api.app import create_app
    from overtime.api.janus_events import serve_events
    from overtime.api.observability import Metrics, serve_metrics
    from overtime.listener import https_server, listen
    from overtime.runtime import MediaOptions, Runtime
    from overtime.runtime import context as runtime_context
    from overtime.tls import ensure_local_ca, operator_files

    if settings.tls_cert and settings.tls_key:
        try:
            tls = operator_files(settings.tls_cert, settings.tls_key)
        except ValueError as e:
            raise UsageError(str(e)) from None
    sock = listen(settings.host, settings.port)  # before anything is announced: a busy port ends here
    metrics_sock = listen(*settings.metrics_listen) if settings.metrics_listen else None
    events_sock = (
        listen(*settings.janus_events_listen)
        if settings.media == "janus" and settings.janus_events_listen
        else None
    )
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
    logs.configure(settings.log_format, settings.log_level)

    async def run() -> None:
        app_context = runtime_context(
            settings.database_url,
            pool_size=settings.db_pool_size,
            sandbox=settings.sandbox,
            webhooks=WebhookOptions(
                ca_file=settings.webhook_ca, retry_base_seconds=settings.webhook_retry_base_seconds
            ),
        )
        media = (
            MediaOptions(settings.janus_url, settings.janus_events_secret)
            if settings.media == "janus"
            else None
        )
        runtime = Runtime.build(app_context, sandbox=settings.sandbox, media=media)
        metrics = Metrics(runtime)
        app = create_app(
            runtime,
            ws_idle_seconds=settings.ws_idle_seconds,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            metrics=metrics,
            metrics_route=not (settings.metrics_off or settings.metrics_listen),
        )
        server = https_server(app, sock, tls.cert, tls.key)
        if metrics_sock is not None:
            await serve_metrics(metrics, metrics_sock)
        if events_sock is not None and runtime.janus_events is not None:
            await serve_events(app_context, runtime.janus_events, events_sock)
        halt: Callable[[], None] = server.stop

        def stop() -> None:
            if settings.sandbox:  # open journal streams would hold the shutdown up
                from overtime.api.toolkit_middleware import close_streams

                close_streams(app_context)
            halt()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(
            f"overtime: serving https://{host}:{settings.port}"
            f"{' in sandbox mode' if settings.sandbox else ''} with {redact_url(settings.database_url)}",
            flush=True,
        )
        if media is not None:
            where = settings.janus_events_listen
            print(
                f"overtime: governing Janus at {settings.janus_url}; its events to "
                + (f"http://{where[0]}:{where[1]}" if where else f"https://{host}:{settings.port}")
                + "/integrations/janus/events",
                flush=True,
            )
        await server.serve()

    # A young collection every 50,000 allocations, not 700: a WebSocket fan-out has thousands of
    # objects in flight, and young collections promoted them until a full collection (0.2-0.9 s
    # with 5,000 connections) ran every few extensions (decision 0005).
    gc.set_threshold(50_000, 10, 10)
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


def _listen(forward_to: str, host: str, port_text: str, settings: Settings) -> None:
    from overtime import webhook_listen

    if not forward_to.startswith(("http://", "https://")):
        raise UsageError(f"--forward-to {forward_to!r}: must be an http:// or https:// URL")
    try:
        port = int(port_text)
    except ValueError:
        raise UsageError(f"--port {port_text!r}: must be a number from 0 to 65535") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port_text!r}: must be a number from 0 to 65535")
    try:
        webhook_listen.serve(forward_to, host=host, port=port, directory=settings.data_dir / "listen")
    except OSError as e:
        raise CliError(f"{host}:{port}: cannot listen ({e.strerror})") from None


# -- the commands ---------------------------------------------------------------------------------


@click.command("serve")
@serve_options
@click.option(
    "--load",
    default=None,
    metavar="FILE",
    help="with --sandbox: replace the database's whole state with this snapshot before serving",
)
@storage_options
def serve(**params: Any) -> None:
    """Run the HTTPS server (and the deadline loop, the WebSocket hub, the webhook dispatcher)."""
    load = params.pop("load")
    settings = from_args(namespace("serve", params))
    if load is not None:
        if not settings.sandbox:
            raise UsageError("--load needs --sandbox (it replaces the whole database)")
        _load_snapshot(load, settings)
    _serve(settings)


@click.group("users")
def users() -> None:
    """Manage accounts."""


@users.command("add")
@click.argument("account")
@click.option("--password", default=None, help="the password (visible in ps and the shell's history)")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
@click.option("--name", default="", help="the display name")
@click.option("--admin", is_flag=True, help="an enterprise admin: sees all of the enterprise's meetings")
@env_option("corp", "the enterprise (corp) id", "default")
@storage_options
def add_user(**params: Any) -> None:
    """Create an account for account/password authentication. The password comes from
    --password-stdin, --password, or else a prompt (asked twice)."""
    if params["password"] is not None and params["password_stdin"]:
        raise UsageError("--password and --password-stdin go alone: give one of them")
    args = namespace("users", params)
    _add_user(args, from_args(args))


@click.group("apps")
def apps() -> None:
    """Manage App IDs."""


@apps.command("add")
@click.argument("app_id")
@click.option("--key", default=None, help="the App key (default: a new random one)")
@env_option("corp", "the enterprise (corp) id", "default")
@storage_options
def add_app(**params: Any) -> None:
    """Register an App ID for App ID authentication; prints its key."""
    args = namespace("apps", params)
    _add_app(args, from_args(args))


@click.command("migrate")
@storage_options
def migrate_command(**params: Any) -> None:
    """Apply database migrations and exit."""
    _prepare_storage(from_args(namespace("migrate", params)))
    print("Database is up to date.")


@click.group("snapshot")
def snapshot() -> None:
    """Save or load the whole state (sandbox snapshots)."""


@snapshot.command("save")
@click.argument("file", metavar="FILE")
@storage_options
def snapshot_save(file: str, **params: Any) -> None:
    """Write the database's whole state to FILE (JSON)."""
    _save_snapshot(file, from_args(namespace("snapshot", params)))


@snapshot.command("load")
@click.argument("file", metavar="FILE")
@storage_options
def snapshot_load(file: str, **params: Any) -> None:
    """Replace the database's whole state with FILE's (stop servers on it first)."""
    _load_snapshot(file, from_args(namespace("snapshot", params)))


@click.group("webhooks")
def webhooks() -> None:
    """Webhook tools."""


@webhooks.command("listen")
@click.option("--forward-to", required=True, help="your app's webhook URL (http:// or https://)")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default="0", help="port to listen on (default: a free one, printed)")
@storage_options
def webhooks_listen(forward_to: str, host: str, port: str, **params: Any) -> None:
    """A local HTTPS webhook subscriber relaying every callback, unchanged (signature included),
    to --forward-to and the app's answer back. Start the server with --webhook-ca
    DATA_DIR/listen/ca.pem and subscribe the printed URL."""
    _listen(forward_to, host, port, from_args(namespace("webhooks", params)))


@click.group("janus")
def janus() -> None:
    """Janus tools (--media janus)."""


@janus.command("config")
@click.option("--out", required=True, metavar="DIR", help="where to write the files (created 0700)")
@click.option("--janus-port", default="8088", show_default=True, help="port of Janus' HTTP API (loopback)")
@click.option(
    "--events-url",
    default="http://127.0.0.1:8089/integrations/janus/events",
    show_default=True,
    help="where Janus posts its events: Overtime's --janus-events-listen",
)
@env_option("janus-events-secret", "the events secret, as given to overtime serve", "")
def janus_config(out: str, janus_port: str, events_url: str, janus_events_secret: str | None) -> None:
    """Write the Janus configuration Overtime needs: janus.jcfg (only the video-room plugin, the
    HTTP transport and the sample event handler), the HTTP transport on loopback, the event
    handler posting to Overtime with HTTP Basic. Start Janus with `janus -F DIR -C DIR/janus.jcfg`."""
    from pathlib import Path

    from overtime.media.janus_config import JanusConfig

    secret = value(
        namespace("janus", {"janus_events_secret": janus_events_secret}), "janus_events_secret", ""
    )
    if len(secret.text) < 16 or any(c in secret.text for c in ':"\n\r'):
        raise UsageError("--janus-events-secret: at least 16 characters, no ':', quote or line break")
    try:
        port = int(janus_port)
    except ValueError:
        raise UsageError(f"--janus-port {janus_port!r}: must be 1-65535") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"--janus-port {janus_port!r}: must be 1-65535")
    if not events_url.startswith(("http://", "https://")):
        raise UsageError(f"--events-url {events_url!r}: must be an http:// or https:// URL")
    try:
        written = JanusConfig(http_port=port, events_url=events_url, events_secret=secret.text).write(
            Path(out)
        )
    except OSError as e:
        raise CliError(f"{out}: cannot write the files ({e.strerror})") from None
    for path in written:
        print(f"wrote {path}")
    print(f"start Janus with: janus -F {out} -C {Path(out) / 'janus.jcfg'}")


COMMANDS = (serve, users, apps, migrate_command, snapshot, webhooks, janus)
