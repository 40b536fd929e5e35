"""Structured logging set-up for the CLI entry points (never at import time).

Every line is one JSON object: structlog's own events and the standard library's records
(uvicorn, SQLAlchemy, Alembic, asyncio) go through the same processors, so one parser
reads the whole log. Values bound with ``structlog.contextvars`` (the request id) appear
in every line, whichever logger wrote it.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import Processor

# Libraries whose routine lines say nothing an operator needs: the HTTP clients log every
# request they send (the sender's own lines say what matters), uvicorn's access log is
# replaced by ours, and Alembic narrates every migration step.
QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "alembic": logging.WARNING,
}


class CurrentStderr(logging.StreamHandler[TextIO]):
    """Writes to ``sys.stderr`` as it is at each line, not as it was when logging was set
    up: a command run inside another program (a test runner) may have it swapped."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _stream: TextIO) -> None:
        """The stream is always the current standard error."""


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure(level: str = "info", stream: TextIO | None = None) -> None:
    """Send every log line, as JSON, to ``stream`` (standard error by default)."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # the traceback, as one string field
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream) if stream is not None else CurrentStderr()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(numeric, quiet))
    # uvicorn's loggers keep their own handlers unless told otherwise: route them to ours.
    for name in ("uvicorn", "uvicorn.error"):
        library = logging.getLogger(name)
        library.handlers, library.propagate = [], True
        library.setLevel(logging.NOTSET)  # the root's level, unless uvicorn is told one
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    structlog.configure(
        processors=[
            # The level is read from the standard library at each call, so configuring
            # again (a test, a second command in one process) takes effect at once.
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
