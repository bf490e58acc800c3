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
        else _Logfmt(key_order=["timestamp", "level", "logger", "event"])
    )
    formatter = _Formatter(
        renderer,
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
    # The logging HOWTO's "Optimization": no line shows the caller, thread or process, so none
    # is computed for every record.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("overtime").setLevel(level.upper())


class _Logfmt(structlog.processors.LogfmtRenderer):
    """structlog's logfmt renderer, checking each key once per process rather than once per line
    (its per-character check of every key was most of a request's log line)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._checked: set[str] = set()

    def __call__(self, logger: Any, name: str, event_dict: Any) -> str:
        elements: list[str] = []
        for key, value in self._ordered_items(event_dict):
            if key not in self._checked:
                super().__call__(logger, name, {key: None})  # raises for a key logfmt cannot hold
                self._checked.add(key)
            if value is None:
                elements.append(f"{key}=")
                continue
            if isinstance(value, bool):
                if self.bool_as_flag and value:
                    elements.append(key)
                    continue
                value = "true" if value else "false"
            text = str(value)
            quoted = " " in text or "=" in text or '"' in text
            if quoted and "\\" in text:
                text = text.replace("\\", "\\\\")
            text = text.replace('"', '\\"').replace("\n", "\\n")
            elements.append(f'{key}="{text}"' if quoted else f"{key}={text}")
        return " ".join(elements)


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, with a short way for records that carry their fields as one dict,
    `extra={"fields": {...}}` (the access line: one per request): the same line from the same
    renderer, without the generic chain that copies every attribute of the record (decision
    0007: that chain cost more than the extension it logged)."""

    def __init__(self, renderer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._render = renderer
        self._stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if not isinstance(fields, dict) or record.exc_info:
            return super().format(record)
        event: dict[str, Any] = {"event": record.getMessage()}
        self._stamp(None, "", event)
        event["level"] = record.levelname.lower()
        event["logger"] = record.name
        event.update(fields)
        line: str = self._render(None, "", event)
        return line


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
