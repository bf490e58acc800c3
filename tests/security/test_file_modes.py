"""The SQLite database holds App keys, webhook keys and meeting passwords: it and its -wal and
-shm files are created 0600, and a data directory Overtime creates is 0700 (issue 9, finding 9).
Holds whatever the umask of whoever starts the server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from support import Server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_and_its_wal_are_private_while_serving(own_server: Server) -> None:
    if own_server.database_url:
        pytest.skip("SQLite files")
    own_server.add_user()  # a write: the -wal and -shm files exist
    files = [own_server.data_dir / name for name in ("overtime.db", "overtime.db-wal", "overtime.db-shm")]

    assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}


def test_a_new_data_dir_is_private_and_so_is_its_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    done = subprocess.run(
        [sys.executable, "-m", "overtime", "migrate", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o002),  # a permissive umask, as on many desktops
    )

    assert done.returncode == 0, done.stderr
    assert oct(mode(data_dir)) == "0o700"
    assert oct(mode(data_dir / "overtime.db")) == "0o600"


def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "overtime.db"
    db.touch(mode=0o644)
    db.chmod(0o644)
    done = subprocess.run(
        [sys.executable, "-m", "overtime", "migrate", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert oct(mode(db)) == "0o600"
