"""The client commands (`overtime login | meetings | clock`) against a live sandbox server: what
they print, as tables and as `--json`, and their exit codes (0 done, 1 the server refused, 2 bad
usage, 3 unreachable, 4 not logged in). Every case runs the real `python -m overtime`.

The client speaks the REST API, so one backend (SQLite) is enough here."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import Account, Server, free_port, unique


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cli-server"), ["--sandbox"])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "config"


def overtime(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    env.pop("OVERTIME_CONFIG_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "overtime", *args],
        capture_output=True, text=True, input=stdin, env=env, timeout=60,
    )  # fmt: skip


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    assert done.stderr == "", done.stderr
    return done.stdout


def refused(done: subprocess.CompletedProcess[str], exit_code: int, line: str) -> None:
    """Exit `exit_code` and exactly one line on stderr, `line`."""
    assert done.returncode == exit_code, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.splitlines() == [line], done.stderr


def login(server: Server, config: Path, who: Account) -> str:
    return ok(
        overtime(
            config, "login", server.url, "--account", who.account, "--password-stdin",
            "--ca-cert", str(server.ca_path), stdin=who.password + "\n",
        )
    )  # fmt: skip


@pytest.fixture
def member(server: Server, config: Path) -> Account:
    who = server.add_user()
    login(server, config, who)
    return who


def create(config: Path, *args: str) -> dict[str, Any]:
    created: dict[str, Any] = json.loads(ok(overtime(config, "meetings", "create", "--json", *args)))[0]
    return created


# -- login --------------------------------------------------------------------------------------


def test_login_keeps_the_token_in_a_file_only_the_user_reads(server: Server, config: Path) -> None:
    who = server.add_user()

    out = login(server, config, who)

    stored = config / "overtime" / "credentials.json"
    assert out == f"Logged in to {server.url} as {who.account} (token kept in {stored}).\n"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    kept = json.loads(stored.read_text())
    assert kept["account"] == who.account and kept["url"] == server.url
    assert kept["access_token"] and who.password not in stored.read_text()


def test_a_wrong_password_shows_the_servers_code_and_message(server: Server, config: Path) -> None:
    who = server.add_user()
    done = overtime(
        config, "login", server.url, "--account", who.account, "--password-stdin",
        "--ca-cert", str(server.ca_path), stdin="not-the-password\n",
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("overtime: USG.006010000: ") and line.endswith("(HTTP 401)"), line
    assert not (config / "overtime" / "credentials.json").exists()


def test_an_unreachable_server_exits_3(server: Server, config: Path) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    done = overtime(config, "login", url, "--account", "x", "--password-stdin", stdin="pw\n")

    assert done.returncode == 3, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"overtime: {url}: cannot reach the server ("), line


def test_commands_before_login_exit_4(config: Path) -> None:
    refused(
        overtime(config, "meetings", "list"), 4, "overtime: not logged in: run `overtime login URL` first"
    )


def test_a_token_the_server_no_longer_knows_asks_for_a_new_login(config: Path, member: Account) -> None:
    stored = config / "overtime" / "credentials.json"
    stored.write_text(json.dumps({**json.loads(stored.read_text()), "access_token": "stale"}))

    done = overtime(config, "meetings", "list")

    assert done.returncode == 1, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("overtime: USG.000000004: ")
    assert line.endswith("(HTTP 401); run `overtime login URL` again"), line


def test_a_missing_ca_certificate_is_named(server: Server, config: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-ca.pem"
    done = overtime(
        config, "login", server.url, "--account", "x", "--ca-cert", str(missing), "--password-stdin"
    )
    refused(done, 2, f"overtime: --ca-cert {missing}: no such file")


def test_logout_forgets_the_token(server: Server, config: Path, member: Account) -> None:
    token = json.loads((config / "overtime" / "credentials.json").read_text())["access_token"]

    assert ok(overtime(config, "logout")) == f"Logged out of {server.url}.\n"

    assert not (config / "overtime" / "credentials.json").exists()
    with server.client() as c:
        assert c.get("/v1/mmc/management/conferences", headers={"X-Access-Token": token}).status_code == 401


# -- meetings -----------------------------------------------------------------------------------


def test_create_list_show(server: Server, config: Path, member: Account) -> None:
    subject = unique("standup")
    created = create(config, "--subject", subject, "--length", "45")
    cid = created["conferenceID"]

    table = ok(overtime(config, "meetings", "list"))
    shown = ok(overtime(config, "meetings", "show", cid))
    listed = json.loads(ok(overtime(config, "meetings", "list", "--json")))
    detail = json.loads(ok(overtime(config, "meetings", "show", cid, "--json")))

    assert "conferenceID" in table.splitlines()[1] and "end (UTC)" in table.splitlines()[1]
    row = next(line for line in table.splitlines() if cid in line)
    assert subject in row and "Created" in row and created["endTime"] in row
    assert any(line.split() == ["subject", subject] for line in shown.splitlines()), shown
    chair = next(p["password"] for p in created["passwordEntry"] if p["conferenceRole"] == "chair")
    assert chair in shown
    assert [m["conferenceID"] for m in listed["data"]] == [cid]
    assert detail["conferenceData"]["subject"] == subject


def test_extend_then_stop(server: Server, config: Path, member: Account) -> None:
    created = create(config, "--length", "30")
    cid = created["conferenceID"]

    extended = json.loads(ok(overtime(config, "meetings", "extend", cid, "20", "--json")))
    said = ok(overtime(config, "meetings", "extend", cid, "5"))
    stopped = ok(overtime(config, "meetings", "stop", cid))

    assert extended["conferenceID"] == cid and extended["extendedBy"] == 20
    assert extended["endTime"] > created["endTime"]
    assert said.startswith(f"Meeting {cid} extended by 5 minutes; it now ends at ")
    assert stopped == f"Meeting {cid} stopped.\n"
    # An ended meeting has left the meetings not ended (it is in history now).
    refused(
        overtime(config, "meetings", "extend", cid, "5"),
        1,
        "overtime: MMC.111070005: Meeting does not exist. (HTTP 400)",
    )


def test_a_meeting_of_someone_else_is_refused_with_the_servers_code(
    server: Server, config: Path, member: Account
) -> None:
    done = overtime(config, "meetings", "show", "99999999")
    assert done.returncode == 1, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("overtime: MMC.111070005: ") and line.endswith("(HTTP 400)"), line


def test_bad_arguments_exit_2(config: Path, member: Account) -> None:
    done = overtime(config, "meetings", "extend", "123", "many")
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert (
        line.startswith("overtime: Invalid value for 'MINUTES'")
        and "(see overtime meetings extend --help)" in line
    )


# -- the sandbox clock --------------------------------------------------------------------------


def test_clock_advance_ends_a_meeting(server: Server, config: Path, member: Account) -> None:
    before = json.loads(ok(overtime(config, "clock", "show", "--json")))
    cid = create(config, "--length", "30")["conferenceID"]

    said = ok(overtime(config, "clock", "advance", "31m"))
    after = json.loads(ok(overtime(config, "clock", "show", "--json")))
    shown = ok(overtime(config, "clock", "show"))

    assert said.startswith("Sandbox clock advanced by 1860 s; it is now ")
    assert after["now"] - before["now"] >= 1860 * 1000
    assert "now" in shown and "ahead by" in shown
    listed = json.loads(ok(overtime(config, "meetings", "list", "--json")))
    assert cid not in [m["conferenceID"] for m in listed["data"]], "it ended: gone from the list"


def test_clock_advance_refuses_a_bad_duration(config: Path, member: Account) -> None:
    refused(
        overtime(config, "clock", "advance", "soon"),
        2,
        "overtime: DURATION 'soon': must be a number of seconds, or end in s, m or h",
    )


# -- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        (["serve"], "[env OVERTIME_PORT; default: 8443]"),
        (["serve"], "[env OVERTIME_METRICS_LISTEN; default: main]"),
        (["serve"], "[env OVERTIME_LOG_FORMAT; default: text]"),
        (["users", "add"], "[env OVERTIME_DATA_DIR; default: .overtime]"),
        (["apps", "add"], "[env OVERTIME_CORP; default: default]"),
        (["migrate"], "[env OVERTIME_DATABASE; default: SQLite in the data dir]"),
        (["login"], "[env OVERTIME_CA_CERT; default: the system store]"),
        ([], "4  not logged in"),
    ],
)
def test_help_names_each_variable_and_its_default(command: list[str], variable: str, config: Path) -> None:
    out = " ".join(ok(overtime(config, *command, "--help")).split())
    assert " ".join(variable.split()) in out
