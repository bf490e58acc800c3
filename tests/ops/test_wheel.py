"""Packaging: the wheel `python -m build` makes, installed into a fresh virtual environment (no
editable install, no source tree on the path), gives an `overtime` command that migrates, serves
`/health` over HTTPS and prints no warning; `python -m overtime` works there too. One test: it
builds and installs everything (about a minute)."""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from support import free_port

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_built_wheel_serves_from_a_fresh_venv(tmp_path: Path) -> None:
    # Built from a copy, so the build leaves nothing (build/, *.egg-info) in the working tree.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT, source,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "build", "dist", "*.egg-info", "bench", "tests"),
    )  # fmt: skip
    run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", source, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("overtime-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    assert {"overtime/storage/migrations/env.py", "overtime/py.typed", "overtime/__main__.py"} <= inside
    assert {
        "overtime/console/index.html",
        "overtime/console/console.css",
        "overtime/console/console.js",
    } <= inside
    assert [name for name in inside if name.startswith("overtime/storage/migrations/versions/0001")]
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "pip", "install", "--quiet", wheel, cwd=tmp_path)

    where = run(venv / "bin" / "python", "-c", "import overtime; print(overtime.__file__)", cwd=tmp_path)
    assert where.startswith(str(venv)), where
    assert "Exit codes:" in run(venv / "bin" / "python", "-m", "overtime", "--help", cwd=tmp_path)
    assert "OVERTIME_PORT" in run(venv / "bin" / "overtime", "serve", "--help", cwd=tmp_path)

    port, data = free_port(), tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVERTIME_", "PYTHON"))}
    proc = subprocess.Popen(
        [venv / "bin" / "overtime", "serve", "--port", str(port), "--data-dir", data],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path, env=env,
    )  # fmt: skip
    try:
        deadline, status, ca = time.monotonic() + 60, 0, data / "tls" / "ca.pem"

        while time.monotonic() < deadline and status != 200 and proc.poll() is None:
            try:
                verify = ssl.create_default_context(cafile=str(ca))
                r = httpx.get(f"https://127.0.0.1:{port}/health", verify=verify, timeout=1)
                status = r.status_code
            except (httpx.HTTPError, OSError):
                time.sleep(0.1)
        assert status == 200
        page = httpx.get(f"https://127.0.0.1:{port}/console", verify=verify, timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()  # the console's assets are inside
        for asset in ("console.css", "console.js"):
            assert (
                httpx.get(
                    f"https://127.0.0.1:{port}/console/static/{asset}", verify=verify, timeout=5
                ).status_code
                == 200
            )
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    printed = out.decode()
    assert f"overtime: serving https://127.0.0.1:{port}" in printed
    assert "warning" not in printed.lower() and "experimental" not in printed.lower(), printed
