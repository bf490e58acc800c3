"""The command line of issue 16: `overtime janus config --out DIR` writes the Janus configuration
a real Janus starts with, and `overtime serve --media janus` refuses incomplete options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from support import free_port
from support.janus import Janus, eventually, require_janus


def overtime(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "overtime", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})  # fmt: skip


def test_janus_config_writes_files_janus_starts_with(tmp_path: Path) -> None:
    require_janus()
    port, secret = free_port(), "s3cret-of-the-events-handler"
    done = overtime("janus", "config", "--out", str(tmp_path / "janus"), "--janus-port", str(port),
                    env={"OVERTIME_JANUS_EVENTS_SECRET": secret})  # fmt: skip
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "janus").iterdir())
    assert files == ["janus.eventhandler.sampleevh.jcfg", "janus.jcfg", "janus.plugin.videoroom.jcfg",
                     "janus.transport.http.jcfg"]  # fmt: skip
    handler = (tmp_path / "janus" / "janus.eventhandler.sampleevh.jcfg").read_text()
    assert f'backend_pwd = "{secret}"' in handler and 'backend_user = "janus"' in handler
    assert oct((tmp_path / "janus" / "janus.jcfg").stat().st_mode & 0o777) == "0o600"
    assert f"janus -F {tmp_path / 'janus'}" in done.stdout
    # Janus starts with them, the video-room plugin alone answering on the port asked for.
    process = Janus(tmp_path, events_url="http://127.0.0.1:9/none", events_secret=secret, port=port)
    proc = subprocess.Popen(["janus", "-F", str(tmp_path / "janus"), "-C", str(tmp_path / "janus" / "janus.jcfg")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        info = eventually(lambda: _info(process.url))
        assert set(info["plugins"]) == {"janus.plugin.videoroom"}
        assert set(info["transports"]) == {"janus.transport.http"}
        assert set(info["events"]) == {"janus.eventhandler.sampleevh"}
    finally:
        proc.kill()
        proc.wait(10)


def _info(url: str) -> dict[str, object] | None:
    try:
        info: dict[str, object] = httpx.get(f"{url}/info", timeout=1).json()
        return info
    except httpx.HTTPError:
        return None


def test_serve_media_janus_needs_its_options(tmp_path: Path) -> None:
    base = ["serve", "--data-dir", str(tmp_path), "--port", str(free_port()), "--media", "janus"]
    cases = [
        ([], "overtime: --media janus needs --janus-events-secret: at least 16 characters, no ':', quote or line break"),
        (["--janus-events-secret", "x" * 20], "overtime: --media janus needs --janus-url (e.g. http://127.0.0.1:8088/janus)"),
        (["--janus-events-secret", "x" * 20, "--janus-url", "ftp://x"],
         "overtime: --janus-url ftp://x: must be Janus' HTTP API URL, http://HOST:PORT/janus"),
        (["--janus-events-secret", "x" * 20, "--janus-url", "http://127.0.0.1:1/janus", "--janus-events-listen", "nope"],
         "overtime: --janus-events-listen nope: must be HOST:PORT or off"),
    ]  # fmt: skip
    for extra, message in cases:
        done = overtime(*base, *extra)
        assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (2, message)
    done = overtime(*base[:-2], "--media", "kurento")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "overtime: --media kurento: must be one of none, janus",
    )
