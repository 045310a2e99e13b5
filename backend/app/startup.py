"""A failed start is reported by what went wrong, never by a traceback or an exception's text."""

from __future__ import annotations

import sys

from starlette.types import Message, Receive, Scope, Send

from backend.app.asgi import Middleware

_FAILED = ("lifespan.startup.failed", "lifespan.shutdown.failed")


class StartupError(Exception):
    """The service cannot start, for a reason its message states; the message holds no secret."""


def describe_failure(error: BaseException | None) -> str:
    """Return what a log may say about a failed start: a StartupError's words, else the type."""
    if isinstance(error, StartupError):
        return f"the service could not start: {error}"
    if error is None:
        return "the service could not start"
    # Any other exception's text may hold a URL with its password, or SQL with values.
    return f"the service could not start: {type(error).__name__}"


class StartupFailureByType(Middleware):
    """ASGI middleware: the server logs a failed start as `describe_failure` words it.

    Starlette reports a failed lifespan to the server with the whole traceback text, which the
    server logs as is; this replaces that text before it leaves the application.
    """

    scope_type = "lifespan"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything on, rewording a lifespan failure report."""

        async def send_described(message: Message) -> None:
            if message["type"] in _FAILED:
                # Sent while the failure is being handled: it is the exception in hand.
                message = {**message, "message": describe_failure(sys.exc_info()[1])}
            await send(message)

        await self.app(scope, receive, send_described)
