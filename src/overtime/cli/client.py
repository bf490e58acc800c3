"""`overtime login | logout | meetings ... | clock ...`: a client of a running server, over the
same Huawei REST API the SDK uses. `login` keeps the server's URL, its CA and an access token in
the user's config directory (`credentials.json`, 0600); the other commands use them.

Tables for people by default, `--json` for scripts (the server's own JSON). A refusal shows the
server's error code and message in one line (exit 1); an unreachable server exits 3, a missing
login 4 (`cli.options.EXIT_CODES`)."""

from __future__ import annotations

import base64
import getpass
import json
import os
import re
import ssl
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
import httpx
from rich import box
from rich.console import Console
from rich.table import Table

from overtime.cli.options import env_option, namespace
from overtime.settings import CliError, UsageError, value

CONFIG_FILE = "credentials.json"
MANAGEMENT = "/v1/mmc/management/conferences"
CONTROL = "/v1/mmc/control/conferences"
ACCESS_TOKEN_INVALID = "USG.000000004"  # noqa: S105 - an error code, not a secret


class NotLoggedIn(CliError):
    exit_code = 4


class Unreachable(CliError):
    exit_code = 3


def config_dir() -> Path:
    """`OVERTIME_CONFIG_DIR`, else the user's config directory (`$XDG_CONFIG_HOME/overtime`)."""
    return Path(os.environ.get("OVERTIME_CONFIG_DIR") or click.get_app_dir("overtime"))


@dataclass(frozen=True)
class Login:
    url: str
    account: str
    access_token: str
    ca_cert: str | None


def _save(login: Login) -> Path:
    folder = config_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / CONFIG_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(login), f)
    except OSError as e:
        raise CliError(f"{folder}: cannot store the login ({e.strerror})") from None
    return path


def _load() -> Login:
    path = config_dir() / CONFIG_FILE
    try:
        data = json.loads(path.read_text())
        return Login(data["url"], data["account"], data["access_token"], data.get("ca_cert"))
    except FileNotFoundError:
        raise NotLoggedIn("not logged in: run `overtime login URL` first") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise NotLoggedIn(f"{path}: unreadable; run `overtime login URL` again") from None


class Api:
    """One server: requests, and its refusals as one-line `CliError`s."""

    def __init__(self, url: str, ca_cert: str | None, access_token: str = "") -> None:
        self.url = url.rstrip("/")
        try:
            verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_cert) if ca_cert else True
        except (OSError, ssl.SSLError) as e:
            raise UsageError(f"--ca-cert {ca_cert}: not a CA certificate ({e})") from None
        self.http = httpx.Client(base_url=self.url, verify=verify, timeout=30)
        self.headers = {"X-Access-Token": access_token} if access_token else {}

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            r = self.http.request(
                method, path, params=params, json=body, headers={**self.headers, **(headers or {})}
            )
        except httpx.TransportError as e:
            raise Unreachable(f"{self.url}: cannot reach the server ({e or type(e).__name__})") from None
        if r.status_code >= 400:
            try:
                envelope = r.json()
                code, message = envelope["error_code"], envelope["error_msg"]
            except (ValueError, KeyError, TypeError):
                raise CliError(f"{self.url}{path}: HTTP {r.status_code}") from None
            hint = "; run `overtime login URL` again" if code == ACCESS_TOKEN_INVALID else ""
            raise CliError(f"{code}: {message} (HTTP {r.status_code}){hint}")
        return r.json() if r.content else {}


def _api(login: Login) -> Api:
    return Api(login.url, login.ca_cert, login.access_token)


def _out() -> Console:
    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(box=box.SIMPLE_HEAD)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    _out().print(table)


def _pairs(pairs: Iterable[tuple[str, Any]]) -> None:
    table = Table(box=None, show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, cell in pairs:
        table.add_row(name, "" if cell is None else str(cell))
    _out().print(table)


def _password(stdin: bool, prompt: str) -> str:
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        source = "the password on standard input"
    elif sys.stdin.isatty():
        password, source = getpass.getpass(prompt), "the password"
    else:
        raise UsageError("no password: give --password-stdin and the password on standard input")
    if not password:
        raise UsageError(f"{source}: must not be empty")
    return password


json_option = click.option(
    "--json", "as_json", is_flag=True, help="print the server's JSON instead of a table"
)


# -- login and logout ------------------------------------------------------------------------------


@click.command("login")
@click.argument("url")
@env_option("account", "the account to log in as", "asked at a prompt")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
@env_option(
    "ca-cert", "the CA certificate (PEM) that signed the server's (DATA_DIR/tls/ca.pem)", "the system store"
)
def login(url: str, password_stdin: bool, **params: Any) -> None:
    """Log in to the server at URL (https://HOST:PORT) and keep its access token in the user's
    config directory (credentials.json, 0600; OVERTIME_CONFIG_DIR to choose another)."""
    args = namespace("login", params)
    if not re.match(r"^https?://[^/\s]+/?$", url):
        raise UsageError(f"URL {url!r}: must be https://HOST[:PORT]")
    account = value(args, "account", "").text
    if not account:
        if not sys.stdin.isatty():
            raise UsageError("no account: give --account (or OVERTIME_ACCOUNT)")
        account = click.prompt("Account")
    ca = value(args, "ca_cert", "")
    ca_cert = str(Path(ca.text).resolve()) if ca.text else None
    if ca_cert and not Path(ca_cert).is_file():
        raise ca.refuse("no such file")
    password = _password(password_stdin, "Password: ")
    basic = base64.b64encode(f"{account}:{password}".encode()).decode()
    answer = Api(url, ca_cert).call(
        "POST",
        "/v1/usg/acs/auth/account",
        body={"account": account, "clientType": 72},
        headers={"Authorization": f"Basic {basic}"},
    )
    path = _save(Login(url.rstrip("/"), account, answer["accessToken"], ca_cert))
    click.echo(f"Logged in to {url.rstrip('/')} as {account} (token kept in {path}).")


@click.command("logout")
def logout() -> None:
    """Log out (the server forgets the token) and remove the stored login
    [env OVERTIME_CONFIG_DIR; default: $XDG_CONFIG_HOME/overtime]."""
    stored = _load()
    try:
        _api(stored).call("DELETE", "/v1/usg/acs/token")
    finally:
        (config_dir() / CONFIG_FILE).unlink(missing_ok=True)
    click.echo(f"Logged out of {stored.url}.")


# -- meetings --------------------------------------------------------------------------------------


@click.group("meetings")
def meetings() -> None:
    """List, show, create, extend and stop meetings (as the logged-in account).

    They use the login kept by `overtime login` [env OVERTIME_CONFIG_DIR; default:
    $XDG_CONFIG_HOME/overtime]."""


MEETING_COLUMNS = ("conferenceID", "subject", "state", "start (UTC)", "end (UTC)")


def _row(m: dict[str, Any]) -> tuple[Any, ...]:
    return (
        m.get("conferenceID"),
        m.get("subject"),
        m.get("conferenceState"),
        m.get("startTime"),
        m.get("endTime"),
    )


@meetings.command("list")
@click.option("--all", "query_all", is_flag=True, help="an enterprise admin: every meeting of the enterprise")
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True)
@json_option
def list_meetings(query_all: bool, limit: int, as_json: bool) -> None:
    """Meetings not ended yet, soonest first."""
    page = _api(_load()).call("GET", MANAGEMENT, params={"limit": limit, "queryAll": str(query_all).lower()})
    if as_json:
        _json(page)
        return
    _table(MEETING_COLUMNS, (_row(m) for m in page.get("data", [])))


def _detail(api: Api, conference_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.call("GET", f"{MANAGEMENT}/confDetail", params={"conferenceID": conference_id})
    return data


def _show(m: dict[str, Any]) -> None:
    roles = {p.get("conferenceRole"): p.get("password") for p in m.get("passwordEntry", [])}
    _pairs(
        [
            ("conferenceID", m.get("conferenceID")),
            ("subject", m.get("subject")),
            ("state", m.get("conferenceState")),
            ("start (UTC)", m.get("startTime")),
            ("end (UTC)", m.get("endTime")),
            ("auto-extension (min)", (m.get("confConfigInfo") or {}).get("prolongLength")),
            ("chair password", roles.get("chair")),
            ("guest password", roles.get("general")),
        ]
    )


@meetings.command("show")
@click.argument("conference_id")
@json_option
def show_meeting(conference_id: str, as_json: bool) -> None:
    """One meeting: times, state and (to its owner) the passwords."""
    detail = _detail(_api(_load()), conference_id)
    if as_json:
        _json(detail)
        return
    _show(detail.get("conferenceData", {}))


@meetings.command("create")
@click.option("--subject", default=None, help="the meeting's subject")
@click.option("--length", type=int, default=None, help="minutes (default: the server's, 30)")
@click.option("--start", default=None, help="'YYYY-MM-DD HH:MM' (UTC) to schedule it; default: start now")
@json_option
def create_meeting(subject: str | None, length: int | None, start: str | None, as_json: bool) -> None:
    """Create a meeting, started at once or scheduled with --start."""
    body = {"mediaTypes": "Voice", "subject": subject, "length": length, "startTime": start}
    created = _api(_load()).call("POST", MANAGEMENT, body={k: v for k, v in body.items() if v is not None})
    if as_json:
        _json(created)
        return
    _show(created[0])


def _control_token(api: Api, conference_id: str, chair_password_stdin: bool) -> str:
    """A control token, with the chair password the owner reads in the detail (or from stdin)."""
    if chair_password_stdin:
        password = _password(True, "")
    else:
        entries = _detail(api, conference_id).get("conferenceData", {}).get("passwordEntry", [])
        chair = [p.get("password") for p in entries if p.get("conferenceRole") == "chair"]
        if not chair:
            raise UsageError(
                f"meeting {conference_id}: no chair password visible; give --chair-password-stdin"
            )
        password = chair[0]
    answer = api.call(
        "GET",
        f"{CONTROL}/token",
        params={"conferenceID": conference_id},
        headers={"X-Password": password, "X-Login-Type": "1"},
    )
    token: str = answer["data"]["token"]
    return token


chair_option = click.option(
    "--chair-password-stdin",
    is_flag=True,
    help="read the chair password from stdin (default: the meeting's own, read as its owner)",
)


@meetings.command("extend")
@click.argument("conference_id")
@click.argument("minutes", type=int)
@chair_option
@json_option
def extend_meeting(conference_id: str, minutes: int, chair_password_stdin: bool, as_json: bool) -> None:
    """Extend a running meeting by MINUTES (prolong_meeting, as its chair)."""
    api = _api(_load())
    token = _control_token(api, conference_id, chair_password_stdin)
    api.call(
        "PUT",
        f"{CONTROL}/duration",
        params={"conferenceID": conference_id},
        body={"auto": 0, "duration": minutes},
        headers={"X-Conference-Authorization": token},
    )
    end = _detail(api, conference_id).get("conferenceData", {}).get("endTime")
    if as_json:
        _json({"conferenceID": conference_id, "extendedBy": minutes, "endTime": end})
        return
    click.echo(f"Meeting {conference_id} extended by {minutes} minutes; it now ends at {end} UTC.")


@meetings.command("stop")
@click.argument("conference_id")
@chair_option
@json_option
def stop_meeting(conference_id: str, chair_password_stdin: bool, as_json: bool) -> None:
    """End a running meeting now (stop_meeting, as its chair)."""
    api = _api(_load())
    token = _control_token(api, conference_id, chair_password_stdin)
    api.call(
        "PUT", f"{CONTROL}/stop", params={"conferenceID": conference_id},
        headers={"X-Conference-Authorization": token},
    )  # fmt: skip
    if as_json:
        _json({"conferenceID": conference_id, "stopped": True})
        return
    click.echo(f"Meeting {conference_id} stopped.")


# -- the sandbox clock -----------------------------------------------------------------------------


@click.group("clock")
def clock() -> None:
    """The sandbox clock of a server started with --sandbox.

    They use the login kept by `overtime login` [env OVERTIME_CONFIG_DIR; default:
    $XDG_CONFIG_HOME/overtime]."""


def _utc(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@clock.command("show")
@json_option
def show_clock(as_json: bool) -> None:
    """The sandbox's now and how far it is ahead of the real clock."""
    now = _api(_load()).call("GET", "/sandbox/v1/clock")
    if as_json:
        _json(now)
        return
    _pairs([("now", _utc(now["now"])), ("ahead by", f"{now['offsetMs'] / 1000:g} s")])


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$")


@clock.command("advance")
@click.argument("duration")
@json_option
def advance_clock(duration: str, as_json: bool) -> None:
    """Move the sandbox clock forward by DURATION: 90 or 90s (seconds), 15m, 2h. Every deadline
    passed on the way is applied (auto-extensions, ends) before this returns."""
    found = _DURATION.match(duration)
    if not found:
        raise UsageError(f"DURATION {duration!r}: must be a number of seconds, or end in s, m or h")
    seconds = float(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]
    now = _api(_load()).call("POST", "/sandbox/v1/clock/advance", body={"seconds": seconds})
    if as_json:
        _json(now)
        return
    click.echo(f"Sandbox clock advanced by {seconds:g} s; it is now {_utc(now['now'])}.")


COMMANDS = (login, logout, meetings, clock)
