"""Every error as HTTP: db/'s errors as statuses, Retry-After and JSON `detail`, and the rest."""

from __future__ import annotations

import asyncio
import logging
import math

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from backend.app.analytics.pain_points.budget import ProcessingTimeoutError
from backend.app.api.unknown_parameters import unknown_parameter
from backend.app.asgi import Middleware
from backend.app.db.errors import (
    DatabaseAuthenticationError,
    DatabaseBusyError,
    DatabaseError,
    DatabaseMissingError,
    DatabasePermissionError,
    DatabaseTLSError,
    QueryTimeoutError,
    SchemaMismatchError,
)
from backend.app.disconnect import CLIENT_GONE
from backend.app.logging import logged_path

logger = logging.getLogger(__name__)
INTERNAL_ERROR = {"detail": "Internal server error."}
# A request still running when the server stops without waiting (a second Ctrl-C, or its
# graceful-shutdown timeout): it is cancelled, and answered this while there is still time.
STOPPING = {"detail": "The service is stopping and could not finish this request: try again."}

# What /health/ready reports when a database error stops it; any other one is "unavailable".
_READINESS: dict[type[DatabaseError], str] = {
    DatabaseAuthenticationError: "authentication_failed",
    DatabaseMissingError: "database_missing",
    DatabasePermissionError: "permission_denied",
    DatabaseTLSError: "tls_failed",
    SchemaMismatchError: "schema_mismatch",
}


def status_code_of(error: DatabaseError) -> int:
    """Return the status a database error is answered with."""
    # A query that outran the statement timeout is a gateway timeout; any other database error
    # leaves the database unusable for now.
    return 504 if isinstance(error, QueryTimeoutError) else 503


def headers_of(error: DatabaseError) -> dict[str, str]:
    """Return the headers a database error is answered with: Retry-After when it was busy."""
    if isinstance(error, DatabaseBusyError):
        return {"Retry-After": str(max(1, math.ceil(error.wait_seconds)))}
    return {}


def detail_of(error: DatabaseError) -> str:
    """Return the `detail` of a database error: its words, and where to look for more."""
    if isinstance(error, SchemaMismatchError):
        # Readiness names each missing table and column.
        return f"{error.detail.removesuffix('.')}; see /health/ready."
    return error.detail


def readiness_status_of(error: DatabaseError) -> str:
    """Return the `status` /health/ready reports when `error` stops it."""
    kind = next((kind for kind in type(error).__mro__ if kind in _READINESS), None)
    return _READINESS[kind] if kind is not None else "unavailable"


async def database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render a database error as JSON with its status code, headers and `detail`."""
    assert isinstance(exc, DatabaseError)
    return JSONResponse(
        status_code=status_code_of(exc), content={"detail": detail_of(exc)}, headers=headers_of(exc)
    )


async def processing_timeout_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render a request whose own processing ran past its budget as a 504 that says so."""
    assert isinstance(exc, ProcessingTimeoutError)
    return JSONResponse(status_code=504, content={"detail": exc.detail})


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render a request validation failure as a 422 whose `detail` names each parameter."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"parameter": _parameter_name(err.get("loc", ())), "message": _message(err, request)}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})


def _parameter_name(loc: object) -> str:
    # FastAPI locates a query parameter as ("query", name); a model-level check has no name.
    parts = [str(p) for p in loc if p not in ("query", "body")] if isinstance(loc, tuple) else []
    return ".".join(parts) or "query"


def _message(err: dict[str, object], request: Request) -> str:
    if err.get("type") == "extra_forbidden":
        # Pydantic's own words, "Extra inputs are not permitted", say nothing of what was meant.
        return unknown_parameter(_parameter_name(err.get("loc", ())), request)
    message = str(err.get("msg", "invalid value"))
    # Pydantic prefixes messages raised from validators with "Value error, ".
    return message.removeprefix("Value error, ")


class ContainUnexpectedErrors(Middleware):
    """ASGI middleware: an error no handler answered becomes a JSON 500 here, inside the stack;
    a request the server's stop cancelled, a JSON 503.

    Innermost of the middleware, so that these pass through the others like any answer: they
    carry the security headers, no-store and the CORS headers, and the request log writes its
    line.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer a 500 for an exception it raised before answering, a 503 for a
        cancellation that is not its client's."""
        answered = False

        async def send_noting(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting)
        except asyncio.CancelledError:
            client_gone = scope.get(CLIENT_GONE)
            if answered or client_gone is None or client_gone.is_set():
                # Nobody is left to answer, or the answer is under way: the cancellation goes on.
                raise
            # The server is stopping without waiting for this request (uvicorn's forced stop
            # cancels every task): answer it while the connection is still there, instead of
            # the server's plain-text 500. The request ends here, answered.
            await JSONResponse(status_code=503, content=STOPPING)(scope, receive, send)
        except Exception as error:
            if answered:
                raise
            # The type only (the formatter never writes a traceback, which could carry SQL
            # values); the client gets no internals.
            logger.error("unhandled error on %s", logged_path(scope["path"]), exc_info=error)
            await JSONResponse(status_code=500, content=INTERNAL_ERROR)(scope, receive, send)
