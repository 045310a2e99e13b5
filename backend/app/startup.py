"""A failed start is reported by what went wrong, never by a traceback or an exception's text;
a forced stop, as a stop."""

from __future__ import annotations

import asyncio
import logging
import sys

from starlette.types import Message, Receive, Scope, Send

from backend.app.asgi import Middleware
from backend.app.start_error import StartupError

logger = logging.getLogger(__name__)
_FAILED = ("lifespan.startup.failed", "lifespan.shutdown.failed")
FORCED_STOP = (
    "forced stop: the service stopped without waiting for the requests in flight, which were "
    "answered 503 where their connections were still open"
)


def describe_failure(error: BaseException | None, *, stopping: bool = False) -> str:
    """Return what a log may say about a failed start (or stop): a StartupError's words, else
    the type."""
    what = "the service could not stop cleanly" if stopping else "the service could not start"
    if isinstance(error, StartupError):
        return f"{what}: {error}"
    if error is None:
        return what
    # Any other exception's text may hold a URL with its password, or SQL with values.
    return f"{what}: {type(error).__name__}"


class StartupFailureByType(Middleware):
    """ASGI middleware: the server logs a failed start as `describe_failure` words it.

    Starlette reports a failed lifespan to the server with the whole traceback text, which the
    server logs as is; this replaces that text before it leaves the application. A lifespan
    cancelled after the start is a forced stop (uvicorn's second Ctrl-C cancels every task
    instead of asking the application to shut down): logged here as a stop, a warning, and
    reported to the server without words, which it then does not log as an error.
    """

    scope_type = "lifespan"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything on, rewording a lifespan failure report."""

        async def send_described(message: Message) -> None:
            if message["type"] in _FAILED:
                # Sent while the failure is being handled: it is the exception in hand.
                error = sys.exc_info()[1]
                stopping = message["type"] == "lifespan.shutdown.failed"
                if stopping and isinstance(error, asyncio.CancelledError):
                    logger.warning(FORCED_STOP)
                    message = {**message, "message": ""}
                else:
                    message = {**message, "message": describe_failure(error, stopping=stopping)}
            await send(message)

        await self.app(scope, receive, send_described)
