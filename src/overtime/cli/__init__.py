"""`overtime`: the server's commands (`serve`, `users`, `apps`, `migrate`: `cli.server`) and the
client's (`login`, `meetings`, `clock`: `cli.client`), on Click.

Every failure ends in one line on stderr, `overtime: ...`, and a documented exit code
(`cli.options.EXIT_CODES`): never a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from overtime.cli import client, server
from overtime.cli.options import EXIT_CODES
from overtime.domain.errors import DomainError
from overtime.settings import CliError


@click.group(
    "overtime",
    epilog=EXIT_CODES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def overtime() -> None:
    """Meeting control server speaking Huawei Cloud Meeting's REST API, and its client.

    Every server option has an OVERTIME_* environment variable (OVERTIME_PORT, OVERTIME_DATABASE,
    ...), named in each command's --help."""


for command in (*server.COMMANDS, *client.COMMANDS):
    overtime.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    # `serve` replaces this with structured lines (`overtime.logs`).
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        overtime.main(
            args=list(argv) if argv is not None else None, prog_name="overtime", standalone_mode=False
        )
    except click.exceptions.NoArgsIsHelpError as e:
        click.echo(e.ctx.get_help() if e.ctx else "", err=True)
        sys.exit(2)
    except click.UsageError as e:
        where = e.ctx.command_path if e.ctx else "overtime"
        print(f"overtime: {e.format_message().rstrip('.')} (see {where} --help)", file=sys.stderr, flush=True)
        sys.exit(2)
    except click.Abort:
        print("overtime: interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
    except CliError as e:
        print(f"overtime: {e.message}", file=sys.stderr, flush=True)
        sys.exit(e.exit_code)
    except DomainError as e:
        print(f"overtime: {e.message}", file=sys.stderr, flush=True)
        sys.exit(1)
