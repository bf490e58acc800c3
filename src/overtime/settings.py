"""One typed Settings object, from command-line flags with `OVERTIME_*` environment fallbacks.

Every value is checked here, before anything starts: a bad one ends in one line on stderr that
names it (`overtime: --port 99999: must be 1-65535`, exit code 2), never in a traceback."""

from __future__ import annotations

import argparse
import os
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from overtime.api.proxy import TrustedProxies
from overtime.logs import FORMATS, LEVELS

ENV_PREFIX = "OVERTIME_"


class CliError(Exception):
    """Ends the command with one line on stderr; exit code 1 (the server could not start)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CliError):
    """A bad flag or environment value: exit code 2."""

    exit_code = 2


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
    forwarded_allow_ips: str = ""
    """Proxies trusted to name the client in `X-Forwarded-For` (`overtime.api.proxy`)."""
    log_format: str = "text"
    """`text` (logfmt) or `json`: one line per record on stderr (`overtime.logs`)."""
    log_level: str = "info"
    metrics_listen: tuple[str, int] | None = None
    """Where `GET /metrics` is served on a listener of its own (plain HTTP); None: on the main
    listener, unless `metrics_off`."""
    metrics_off: bool = False
    media: str = "none"
    """`none` (the control plane alone) or `janus`: Overtime governs a Janus video-room server
    (`overtime.media`, issue 16)."""
    janus_url: str = ""
    """Janus' HTTP API, e.g. `http://127.0.0.1:8088/janus`."""
    janus_events_secret: str = ""
    """The password of Janus' event handler (HTTP Basic, user `janus`)."""
    janus_events_listen: tuple[str, int] | None = ("127.0.0.1", 8089)
    """The plain-HTTP listener of `POST /integrations/janus/events`; None: `off` (the main
    HTTPS listener only)."""

    @property
    def database_url(self) -> str:
        """The configured database, or SQLite in the data directory."""
        return self.database or f"sqlite:///{(self.data_dir / 'overtime.db').resolve()}"


@dataclass(frozen=True)
class Value:
    """One option's text and where it came from, to name it in a message."""

    text: str
    label: str

    def refuse(self, why: str) -> UsageError:
        return UsageError(f"{self.label}: {why}")


def value(args: argparse.Namespace, dest: str, default: str) -> Value:
    """The flag `--dest` if given, else `OVERTIME_DEST`, else `default`."""
    given = getattr(args, dest, None)
    flag = "--" + dest.replace("_", "-")
    if given is not None:
        return Value(str(given), f"{flag} {shlex.quote(str(given))}")
    env = ENV_PREFIX + dest.upper()
    if env in os.environ:
        return Value(os.environ[env], f"{env}={shlex.quote(os.environ[env])}")
    return Value(default, f"{flag} {shlex.quote(default)}")


def redact_url(url: str) -> str:
    """A database URL without its user and password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def _int(v: Value, low: int, high: int) -> int:
    try:
        number = int(v.text.strip())
    except ValueError:
        raise v.refuse(f"must be an integer {low}-{high}") from None
    if not low <= number <= high:
        raise v.refuse(f"must be {low}-{high}")
    return number


def _seconds(v: Value) -> float:
    try:
        number = float(v.text.strip())
    except ValueError:
        raise v.refuse("must be a number of seconds") from None
    if not 0 < number <= 86_400:
        raise v.refuse("must be more than 0 and at most 86400 seconds")
    return number


def _flag(v: Value) -> bool:
    text = v.text.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise v.refuse("must be 1 or 0 (true or false)")


def _file(v: Value) -> Path | None:
    if not v.text:
        return None
    path = Path(v.text)
    if not path.is_file():
        raise v.refuse("no such file")
    return path


def _data_dir(v: Value) -> Path:
    if not v.text.strip():
        raise v.refuse("must name a directory")
    path = Path(v.text)
    if path.exists() and not path.is_dir():
        raise v.refuse("not a directory")
    return path


def _database(v: Value) -> str:
    url = v.text.strip()
    if not url:
        return ""
    shown = Value(url, v.label.replace(v.text, redact_url(v.text)))
    if not url.startswith(("sqlite:", "postgresql://", "postgres://")):
        raise shown.refuse("must be sqlite:///PATH or postgresql://USER@HOST/DATABASE")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise shown.refuse("not a valid database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise shown.refuse("must name a file: sqlite:///PATH")
        parent = Path(parsed.database).parent
        if not parent.is_dir():
            raise shown.refuse(f"directory {parent} does not exist")
    elif not parsed.database:
        raise shown.refuse("must name a database: postgresql://USER@HOST/DATABASE")
    return url


def _forwarded(v: Value) -> str:
    try:
        TrustedProxies.parse(v.text)
    except ValueError as e:
        raise v.refuse(str(e)) from None
    return v.text


def _choice(v: Value, choices: tuple[str, ...]) -> str:
    text = v.text.strip().lower()
    if text not in choices:
        raise v.refuse(f"must be one of {', '.join(choices)}")
    return text


def _metrics_listen(v: Value) -> tuple[tuple[str, int] | None, bool]:
    """`` (the main listener), `off`, or `HOST:PORT` (`[::1]:9464` for IPv6)."""
    text = v.text.strip()
    if not text or text.lower() == "main":
        return None, False
    if text.lower() == "off":
        return None, True
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host:
        raise v.refuse("must be HOST:PORT, main or off")
    return (host, _int(Value(port, v.label), 1, 65535)), False


def _janus_url(v: Value) -> str:
    url = v.text.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise v.refuse("must be Janus' HTTP API URL, http://HOST:PORT/janus")
    return url


def _janus(args: argparse.Namespace, settings: Settings) -> Settings:
    """The `--media` options; the Janus ones are needed with `--media janus` only."""
    media = _choice(value(args, "media", "none"), ("none", "janus"))
    if media == "none":
        return settings
    secret = value(args, "janus_events_secret", "")
    if len(secret.text) < 16 or any(c in secret.text for c in ':"\n\r'):
        raise UsageError(
            "--media janus needs --janus-events-secret: at least 16 characters, no ':', quote or line break"
        )
    url = value(args, "janus_url", "")
    if not url.text:
        raise UsageError("--media janus needs --janus-url (e.g. http://127.0.0.1:8088/janus)")
    listen = value(args, "janus_events_listen", "127.0.0.1:8089")
    try:
        if listen.text.strip().lower() in ("main", ""):
            raise listen.refuse("")
        address, off = _metrics_listen(listen)
    except UsageError:
        raise listen.refuse("must be HOST:PORT or off") from None
    return replace(
        settings,
        media=media,
        janus_url=_janus_url(url),
        janus_events_secret=secret.text,
        janus_events_listen=None if off else address,
    )


def from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed flags (None where not given) and the environment; UsageError names
    the first bad value. Only `serve` reads the server's options."""
    storage = Settings(
        data_dir=_data_dir(value(args, "data_dir", ".overtime")),
        database=_database(value(args, "database", "")),
    )
    if getattr(args, "command", "") != "serve":
        return storage
    cert = _file(value(args, "tls_cert", ""))
    key = _file(value(args, "tls_key", ""))
    if (cert is None) != (key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    host = value(args, "host", "127.0.0.1")
    if not host.text.strip():
        raise host.refuse("must be a host name or an IP address")
    metrics = _metrics_listen(value(args, "metrics_listen", ""))
    served = replace(
        storage,
        host=host.text.strip(),
        port=_int(value(args, "port", "8443"), 1, 65535),
        tls_cert=cert,
        tls_key=key,
        sandbox=_flag(value(args, "sandbox", "")),
        ws_idle_seconds=_seconds(value(args, "ws_idle_timeout", "180")),
        db_pool_size=_int(value(args, "db_pool_size", "10"), 1, 1000),
        webhook_ca=_file(value(args, "webhook_ca", "")),
        webhook_retry_base_seconds=_seconds(value(args, "webhook_retry_base_seconds", "1")),
        forwarded_allow_ips=_forwarded(value(args, "forwarded_allow_ips", "")),
        log_format=_choice(value(args, "log_format", "text"), FORMATS),
        log_level=_choice(value(args, "log_level", "info"), LEVELS),
        metrics_listen=metrics[0],
        metrics_off=metrics[1],
    )
    return _janus(args, served)
