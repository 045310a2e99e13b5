"""The service's error type and the single handler that renders every error as JSON."""

from __future__ import annotations

import logging
import math

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.app.logging import logged_path

logger = logging.getLogger(__name__)
INTERNAL_ERROR = {"detail": "Internal server error."}


class ServiceError(Exception):
    """An error the service answers with its own status code and a human-readable detail."""

    status_code = 500
    default_detail = "Internal error."
    # What /health/ready reports when this error stops it.
    readiness_status = "unavailable"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)


class DatabaseUnavailableError(ServiceError):
    """The database cannot be reached, stopped answering, or no connection became free in time."""

    status_code = 503
    default_detail = "The analytics database cannot be reached. Try again shortly."


class DatabaseBusyError(DatabaseUnavailableError):
    """Every database connection stayed busy for the whole pool timeout: try again shortly."""

    default_detail = "All database connections are busy. Try again shortly."

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(headers={"Retry-After": str(max(1, math.ceil(retry_after_seconds)))})


class DatabaseAuthenticationError(DatabaseUnavailableError):
    """The database refused the service's user or password."""

    readiness_status = "authentication_failed"
    default_detail = (
        "The analytics database refused the service's credentials (authentication failed): "
        "check the user and password of DATABASE_URL."
    )


class DatabaseMissingError(DatabaseUnavailableError):
    """The database named in the service's URL does not exist on the server."""

    readiness_status = "database_missing"
    default_detail = (
        "The database named in DATABASE_URL does not exist on the analytics server (missing "
        "database)."
    )


class DatabasePermissionError(DatabaseUnavailableError):
    """The service's role may not read a table or column it needs."""

    readiness_status = "permission_denied"
    default_detail = (
        "The service's database role is not allowed to read the analytics tables (permission "
        "denied): grant it SELECT on them."
    )


class DatabaseTLSError(DatabaseUnavailableError):
    """TLS with the database failed: it offers none, or its certificate was not accepted."""

    readiness_status = "tls_failed"
    default_detail = "TLS with the analytics database failed: check sslmode in DATABASE_URL."


class SchemaMismatchError(ServiceError):
    """The database answers, but a table or column the service reads is missing."""

    status_code = 503
    readiness_status = "schema_mismatch"
    default_detail = "The analytics database does not have the expected tables and columns."


class QueryTimeoutError(ServiceError):
    """A query ran past the statement timeout."""

    status_code = 504
    default_detail = (
        "The query ran past the statement timeout. Narrow the date window or try again."
    )


async def service_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render a ServiceError as JSON with its status code and `detail`."""
    assert isinstance(exc, ServiceError)
    return JSONResponse(
        status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
    )


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render a request validation failure as a 422 whose `detail` names each parameter."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"parameter": _parameter_name(err.get("loc", ())), "message": _message(err)}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})


def _parameter_name(loc: object) -> str:
    # FastAPI locates a query parameter as ("query", name); a model-level check has no name.
    parts = [str(p) for p in loc if p not in ("query", "body")] if isinstance(loc, tuple) else []
    return ".".join(parts) or "query"


def _message(err: dict[str, object]) -> str:
    message = str(err.get("msg", "invalid value"))
    # Pydantic prefixes messages raised from validators with "Value error, ".
    return message.removeprefix("Value error, ")


class ContainUnexpectedErrors:
    """ASGI middleware: an error no handler answered becomes a JSON 500 here, inside the stack.

    Innermost of the middleware, so that this 500 passes through the others like any answer: it
    carries no-store and the CORS headers, and the request log writes its line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer a 500 for an exception it raised before answering."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def send_noting(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting)
        except Exception as error:
            if answered:
                raise
            # The type only (the formatter never writes a traceback, which could carry SQL
            # values); the client gets no internals.
            logger.error("unhandled error on %s", logged_path(scope["path"]), exc_info=error)
            await JSONResponse(status_code=500, content=INTERNAL_ERROR)(scope, receive, send)
