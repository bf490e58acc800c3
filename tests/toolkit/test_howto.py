"""docs/howto/testing-your-app.md's worked example passes, run by pytest the way a user runs it:
in a project directory of its own, the plugin found through its entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from toolkit.howto import write_example


def test_the_howto_example_passes(tmp_path: Path) -> None:
    assert write_example(tmp_path) == ["app.py", "test_app.py"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
