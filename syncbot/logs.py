"""Structured logs: one JSON object per line, with whatever context the caller passed."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Attributes every LogRecord has; anything else came from `extra=` and is context to keep.
# uvicorn adds color_message, a copy of the message with terminal colour codes.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***: safe to log or print at any level."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# APScheduler logs every run of every job at INFO ("Running job ...", "... executed
# successfully"): with a 0.25 s poll, about 8 lines a second. Its warnings (a missed run)
# and errors (a job that raised) keep their level.
ROUTINE_LOGGERS = ("apscheduler.scheduler", "apscheduler.executors.default")


class RoutineAtDebug(logging.Filter):
    """Turns INFO records into DEBUG ones, kept only when the logger is at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_routine_logs() -> None:
    """Puts APScheduler's job-run lines at DEBUG; safe to call more than once."""
    for name in ROUTINE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RoutineAtDebug) for existing in logger.filters):
            logger.addFilter(RoutineAtDebug())


def configure_logging(level: str) -> None:
    """Sends every logger, uvicorn's included, through one JSON handler on stderr."""
    quiet_routine_logs()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
