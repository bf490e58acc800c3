"""The command line in a hostile neighbourhood (issue 9, findings 1 and 8): a busy port is refused
instead of shared, and every bad value ends in ONE line on stderr naming it (exit code 2 for a
bad flag or environment value, 1 when the server or the database cannot start), never in a
traceback and never after "serving". Every case runs the real `python -m overtime`."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Account, Server, free_port, unique


def overtime(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "overtime", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def assert_refused(done: subprocess.CompletedProcess[str], exit_code: int, message: str) -> None:
    """Exit `exit_code`, stderr exactly one line starting `overtime: ` and containing `message`."""
    lines = done.stderr.splitlines()
    assert done.returncode == exit_code, (done.returncode, done.stdout, done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("overtime: "), done.stderr
    assert message in lines[0], done.stderr
    assert "serving" not in done.stdout, done.stdout


# -- finding 1: a busy address ---------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["plain", "reuseport"])
def held_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A port some other program listens on; `reuseport`: with SO_REUSEPORT set, as granian's
    own socket (and so an older Overtime) has it."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if request.param:
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_serve_refuses_a_port_another_program_listens_on(held_port: int, tmp_path: Path) -> None:
    done = overtime("serve", "--port", str(held_port), "--data-dir", str(tmp_path / "d"))

    assert_refused(done, 1, f"overtime: 127.0.0.1:{held_port}: address already in use")
    assert not (tmp_path / "d").exists(), "nothing is created before the address is bound"


def test_serve_refuses_the_port_of_a_running_overtime(server: Server, tmp_path: Path) -> None:
    try:
        done = overtime("serve", "--port", str(server.port), "--data-dir", str(tmp_path / "second"))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"a second server started on a busy port and kept running: {e.stdout!r}")

    assert_refused(done, 1, f"overtime: 127.0.0.1:{server.port}: address already in use")
    with server.client() as c:
        assert c.get("/health").status_code == 200


def test_a_running_overtime_shares_its_port_with_nobody(server: Server) -> None:
    """Not even with SO_REUSEPORT: Overtime's socket does not set it, so the kernel refuses."""
    with socket.socket() as intruder:
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with pytest.raises(OSError, match="Address already in use"):
            intruder.bind(("127.0.0.1", server.port))


# -- finding 8: bad values, one line each ----------------------------------------------------------


def test_port_out_of_range() -> None:
    assert_refused(overtime("serve", "--port", "99999"), 2, "overtime: --port 99999: must be 1-65535")


def test_port_from_the_environment_that_is_not_a_number() -> None:
    done = overtime("serve", env={"OVERTIME_PORT": "abc"})
    assert_refused(done, 2, "overtime: OVERTIME_PORT=abc: must be an integer 1-65535")


def test_unknown_database_scheme() -> None:
    done = overtime("serve", "--database", "foo://x")
    assert_refused(done, 2, "overtime: --database foo://x: must be sqlite:///PATH or postgresql://")


def test_sqlite_database_in_a_missing_directory() -> None:
    done = overtime("migrate", "--database", "sqlite:////nonexistent/dir/x.db")
    assert_refused(
        done,
        2,
        "overtime: --database sqlite:////nonexistent/dir/x.db: directory /nonexistent/dir does not exist",
    )


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    done = overtime("users", "add", "dave", "--password", "Pw-123456", "--data-dir", str(a_file))
    assert_refused(done, 2, f"overtime: --data-dir {a_file}: not a directory")


def test_unreachable_postgresql_is_a_runtime_error_without_its_password(tmp_path: Path) -> None:
    port = free_port()
    url = f"postgresql://someone:s3cret@127.0.0.1:{port}/x"
    done = overtime("serve", "--port", str(free_port()), "--data-dir", str(tmp_path), "--database", url)
    assert_refused(done, 1, f"overtime: database postgresql://***@127.0.0.1:{port}/x: ")
    assert "s3cret" not in done.stderr


def test_missing_tls_files_are_named(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    done = overtime("serve", "--tls-cert", str(cert), "--tls-key", str(key), "--port", str(free_port()))
    assert_refused(done, 2, f"overtime: --tls-cert {cert}: no such file")


def test_tls_files_that_are_not_a_certificate_are_named(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("not a certificate")
    key.write_text("not a key")
    done = overtime("serve", "--tls-cert", str(cert), "--tls-key", str(key), "--port", str(free_port()))
    assert_refused(done, 2, f"overtime: --tls-cert {cert} and --tls-key {key}: not a PEM certificate")


def test_host_that_does_not_resolve_fails_before_serving(tmp_path: Path) -> None:
    done = overtime("serve", "--host", "not-a-host", "--port", str(free_port()), "--data-dir", str(tmp_path))
    assert_refused(done, 2, "overtime: --host not-a-host: not an address or a host name of this machine")


def test_bad_forwarded_allow_ips() -> None:
    done = overtime("serve", "--forwarded-allow-ips", "127.0.0.1,bogus")
    assert_refused(done, 2, "overtime: --forwarded-allow-ips 127.0.0.1,bogus: 'bogus' is not an IP address")


def test_usage_errors_are_one_line_too() -> None:
    done = overtime("serve", "--no-such-flag")
    assert_refused(done, 2, "overtime: No such option '--no-such-flag' (see overtime serve --help)")


# -- users add and apps add --------------------------------------------------------------------------


def test_empty_password_is_refused(tmp_path: Path) -> None:
    done = overtime("users", "add", "dave", "--password", "", "--data-dir", str(tmp_path))
    assert_refused(done, 2, "overtime: --password '': must not be empty")


def test_account_with_a_colon_is_refused(tmp_path: Path) -> None:
    done = overtime("users", "add", "e:ve", "--password", "Pw-123456", "--data-dir", str(tmp_path))
    assert_refused(
        done, 2, "overtime: account 'e:ve': must not contain ':' (Basic auth splits at it, so it could never"
    )


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_app_id_is_refused(name: str, tmp_path: Path) -> None:
    done = overtime("apps", "add", name, "--data-dir", str(tmp_path))
    assert_refused(done, 2, f"overtime: App ID {name!r}: must not be empty")


def test_no_password_and_no_terminal_is_refused(tmp_path: Path) -> None:
    done = overtime("users", "add", "dave", "--data-dir", str(tmp_path))
    assert_refused(done, 2, "overtime: no password: give --password-stdin")


def test_password_from_standard_input_logs_in(server: Server) -> None:
    who = Account(unique("stdin"), "Pw-from-stdin-1", "corp-test")
    done = overtime(
        "users", "add", who.account, "--password-stdin", "--corp", who.corp, *server.storage_args,
        stdin=who.password + "\n",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert who.password not in done.stdout + done.stderr
    assert server.login(who)


def test_password_twice_is_refused(tmp_path: Path) -> None:
    done = overtime(
        "users", "add", "dave", "--password", "Pw-123456", "--password-stdin", "--data-dir", str(tmp_path)
    )
    assert_refused(done, 2, "overtime: --password and --password-stdin go alone")


def test_empty_password_on_standard_input_is_refused(tmp_path: Path) -> None:
    done = overtime("users", "add", "dave", "--password-stdin", "--data-dir", str(tmp_path), stdin="\n")
    assert_refused(done, 2, "overtime: the password on standard input: must not be empty")


def _add_user_at_a_prompt(server: Server, account: str, answers: list[str]) -> tuple[int, str]:
    """`users add` with no password flag, its stdin a terminal; types each of `answers` once its
    prompt (on stderr) has appeared: getpass flushes what was typed before it asked."""
    main, tty = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "overtime",
            "users",
            "add",
            account,
            "--corp",
            "corp-test",
            *server.storage_args,
        ],
        stdin=tty,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal: getpass uses the pty on stdin
    )
    os.close(tty)
    assert proc.stderr is not None
    seen = b""
    try:
        for prompts, answer in enumerate(answers, start=1):
            deadline = time.monotonic() + 30
            while seen.count(b"Password") < prompts:
                assert time.monotonic() < deadline, seen
                chunk = os.read(proc.stderr.fileno(), 1024)
                assert chunk, seen
                seen += chunk
            os.write(main, answer.encode() + b"\n")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(main)
    return proc.returncode, (out + seen + err).decode()


def test_password_typed_twice_at_the_prompt_logs_in(server: Server) -> None:
    who = Account(unique("prompt"), "Pw-typed-in-1", "corp-test")

    code, output = _add_user_at_a_prompt(server, who.account, [who.password, who.password])

    assert code == 0, output
    assert who.password not in output
    assert server.login(who)


def test_passwords_that_differ_at_the_prompt_are_refused(server: Server) -> None:
    account = unique("prompt")

    code, output = _add_user_at_a_prompt(server, account, ["Pw-typed-in-1", "Pw-typed-in-2"])

    assert code == 2, output
    assert output.splitlines()[-1] == "overtime: the two passwords differ"
    with pytest.raises(httpx.HTTPStatusError):
        server.login(Account(account, "Pw-typed-in-1", "corp-test"))
