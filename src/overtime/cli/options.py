"""What every command shares: options that name their `OVERTIME_*` variable and default in
`--help`, and the one-line failure (`overtime: ...` on stderr, a documented exit code).

Values are read by `overtime.settings` (flag, else environment, else default), not by Click, so
a bad one is named as it was given: `--port 99999` or `OVERTIME_PORT=abc`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

import click

from overtime.settings import ENV_PREFIX

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """\b
Exit codes:
  0  done
  1  the server refused (its error code and message are shown), or could not start
  2  a bad flag, argument or environment value
  3  the server could not be reached (connection or TLS)
  4  not logged in (run `overtime login URL` first)"""


def env_option(name: str, help: str, default: str, **kwargs: Any) -> Callable[[F], F]:
    """`--name`, read through `overtime.settings` with `OVERTIME_NAME` as fallback; its help
    names both and the default."""
    env = ENV_PREFIX + name.replace("-", "_").upper()
    shown = f"default: {default}" if default else "no default"
    kwargs.setdefault("metavar", name.replace("-", "_").upper())
    return click.option(f"--{name}", default=None, help=f"{help} [env {env}; {shown}]", **kwargs)


def env_flag(name: str, help: str) -> Callable[[F], F]:
    env = ENV_PREFIX + name.replace("-", "_").upper()
    return click.option(f"--{name}", is_flag=True, default=None, help=f"{help} [env {env}=1; default: off]")


def namespace(command: str, params: dict[str, Any]) -> argparse.Namespace:
    """What `overtime.settings.from_args` reads: the given flags, None where not given."""
    return argparse.Namespace(command=command, **params)
