"""Structured logs: one JSON object per line, in the shape Cloud Logging reads."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.app.asgi import CLIENT_CLOSED_REQUEST, Middleware
from backend.app.observability.log_trace import request_trace

# Fields a log call may add through `extra=` and that belong in the JSON line.
_EXTRA_FIELDS = ("httpRequest", "sqlstate", "reason")
# Libraries whose own debug and info lines carry what must never reach a log: the LLM SDK and the
# HTTP clients log request bodies (customers' query texts) and URLs, the database libraries SQL
# with its values. They speak from WARNING up, whatever LOG_LEVEL says.
QUIET_LIBRARIES = ("anthropic", "httpx", "httpx2", "httpcore", "httpcore2", "asyncpg", "sqlalchemy")
# Paths are logged without their query string, and at most this long (a path is the client's).
MAX_LOGGED_PATH = 200
# uvicorn's line once it listens on a TCP address, in its own words (tests/test_make_run.py).
_LISTENING = re.compile(r"Uvicorn running on (?P<base>https?://\S+) ")

# The trace of the request being handled, as fields of every line logged meanwhile.
_request_fields: ContextVar[Mapping[str, object] | None] = ContextVar("log_trace", default=None)


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line with `severity`, `message` and `time`."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as JSON; an exception is named by its type, never traced."""
        entry: dict[str, object] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            **(_request_fields.get() or {}),
        }
        for field in _EXTRA_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info and record.exc_info[0] is not None:
            # A traceback or an exception's text can carry SQL with values or a URL: log the type.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever sys.stderr is when a record comes, not what it was at start-up."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(level: str) -> None:
    """Send every log line (the service's and uvicorn's) through the JSON formatter."""
    root = logging.getLogger()
    # Once per process, and beside any handler already there (a test's log capture, say).
    if not any(isinstance(handler, _StderrHandler) for handler in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    server_logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(added, SwaggerAddress) for added in server_logger.filters):
        server_logger.addFilter(SwaggerAddress())
    # The request middleware below logs each request once; uvicorn's access line would repeat it.
    logging.getLogger("uvicorn.access").disabled = True


class SwaggerAddress(logging.Filter):
    """Log where Swagger UI is as the server says where it listens, which it alone knows."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Let every record through; on the server's listening line, log the Swagger UI URL too."""
        listening = _LISTENING.match(record.getMessage())
        if listening is not None:
            logging.getLogger(__name__).info("Swagger UI: %s/docs", listening["base"])
        return True


request_logger = logging.getLogger("backend.app.requests")


def logged_path(path: str) -> str:
    """Return a request path as logs show it: at most MAX_LOGGED_PATH characters."""
    if len(path) > MAX_LOGGED_PATH:
        return f"{path[:MAX_LOGGED_PATH]}… ({len(path)} characters)"
    return path


class RequestLog(Middleware):
    """ASGI middleware: one line per request, with method, path (no query), status and latency.

    Outermost, so that it sees every ending: an answer (its status), a client that went away
    before it was answered (499), or an error nothing answered (500). Every line logged while
    the request runs, its own included, carries the request's trace: Cloud Logging's fields
    when `project` (GOOGLE_CLOUD_PROJECT) is set, `trace_id` and `span_id` otherwise.
    """

    def __init__(self, app: ASGIApp, *, project: str | None = None) -> None:
        super().__init__(app)
        self.project = project

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request and log how it ended, its trace on every line."""
        found = request_trace(Headers(scope=scope))
        token = _request_fields.set(None if found is None else found.fields(self.project))
        try:
            await self._logged(scope, receive, send)
        finally:
            _request_fields.reset(token)

    async def _logged(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status: int | None = None

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except Exception:
            _log_request(scope, status or 500, time.perf_counter() - started)
            raise
        # Returning without an answer: the client disconnected and its work was cancelled.
        ended = status if status is not None else CLIENT_CLOSED_REQUEST
        _log_request(scope, ended, time.perf_counter() - started)


def _log_request(scope: Scope, status: int, latency: float) -> None:
    method, path = scope["method"], logged_path(scope["path"])
    request_logger.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %d",
        method,
        path,
        status,
        extra={
            "httpRequest": {
                "requestMethod": method,
                "requestUrl": path,
                "status": status,
                "latency": f"{latency:.3f}s",
            }
        },
    )
