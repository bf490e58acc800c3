"""The server's log lines: one structured line per record, JSON or logfmt (`--log-format`).

Everything logs through the standard library (`logging.getLogger("overtime...")`, with the
fields in `extra=`); structlog only renders, so a module that logs needs no configuration and
a process that never calls `configure` (an in-process test) prints nothing below WARNING.
granian's own records go through the same handler."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error")

_EXPERIMENTAL = "Embedded server is experimental"


class _QuietGranian(logging.Filter):
    """Drops granian's notice that its embedded server is experimental: Overtime serves through
    it on purpose (it hands granian a socket bound without SO_REUSEPORT: `overtime.listener`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_EXPERIMENTAL)


def configure(fmt: str = "text", level: str = "info") -> None:
    """Routes every log record to stderr as one line: `json`, or `text` (logfmt). `level` applies
    to Overtime's own loggers; other libraries log warnings and above."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.processors.LogfmtRenderer(key_order=["timestamp", "level", "logger", "event"])
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("overtime").setLevel(level.upper())


def granian_config() -> dict[str, Any]:
    """granian's `log_config`: its records propagate to the handler above, without the
    experimental notice, warnings and above."""
    return {
        "filters": {"quiet": {"()": _QuietGranian}},
        "handlers": {},
        "loggers": {
            "_granian": {"level": "WARNING", "propagate": True, "filters": ["quiet"]},
            "granian.access": {"level": "WARNING", "propagate": False},
        },
    }
