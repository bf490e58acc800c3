"""Done-when of issue 13: a fresh project that only installs Overtime's built wheel (with its
`testing` extra) runs the worked example of docs/howto/testing-your-app.md, plainly and with
`pytest -n 2`. Slow (it builds a wheel and a virtual environment), so it is one test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from toolkit.howto import write_example

REPO = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def _run(args: list[str], cwd: Path, timeout: float = 900) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "VIRTUAL_ENV", "PYTHONPATH"))}
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_fresh_project_with_only_the_wheel_runs_the_howto(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=SKIP)
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        tmp_path,
    )
    [wheel] = wheels.glob("overtime-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", f"overtime[testing] @ {wheel.as_uri()}"], tmp_path)

    project = tmp_path / "project"
    project.mkdir()
    assert write_example(project) == ["app.py", "test_app.py"]
    plain = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, timeout=300)
    assert "3 passed" in plain
    parallel = _run(
        [str(python), "-m", "pytest", "-v", "-p", "no:cacheprovider", "-n", "2"], project, timeout=300
    )
    assert "3 passed" in parallel
    assert "[gw0]" in parallel and "[gw1]" in parallel  # both workers ran tests
