"""The documented error responses of each path, each with its own example bodies."""

from __future__ import annotations

from pydantic import Field

from backend.app.db.errors import (
    DatabaseAuthenticationError,
    DatabaseBusyError,
    DatabaseError,
    DatabaseMissingError,
    DatabasePermissionError,
    DatabaseUnavailableError,
    QueryTimeoutError,
    SchemaMismatchError,
)
from backend.app.models.responses import Body, Readiness


class ErrorBody(Body):
    """Every error: a human-readable `detail`."""

    detail: str = Field(examples=[DatabaseUnavailableError.default_detail])


class ParameterError(Body):
    """One refused parameter."""

    parameter: str = Field(examples=["end_date"])
    message: str = Field(examples=["must not be before start_date"])


class ValidationErrorBody(Body):
    """A 422: `detail` names each refused parameter; `errors` lists them one by one."""

    detail: str = Field(examples=["end_date: must not be before start_date"])
    errors: list[ParameterError]


# Every error carries Cache-Control: no-store (it is never reused); a busy database's 503 also
# says when to try again.
NO_STORE: dict[str, object] = {
    "Cache-Control": {
        "description": "`no-store`: an error is never reused.",
        "required": True,
        "schema": {"type": "string"},
    }
}
RETRY_AFTER: dict[str, object] = {
    "Retry-After": {
        "description": "Seconds to wait before trying again, when every connection was busy.",
        "required": False,
        "schema": {"type": "string"},
    }
}


def _examples(*bodies: tuple[str, str, dict[str, object]]) -> dict[str, object]:
    """Return named examples for one media type: (name, summary, body) each."""
    return {name: {"summary": summary, "value": body} for name, summary, body in bodies}


def _detail(error: type[DatabaseError]) -> dict[str, object]:
    return {"detail": error.default_detail}


def _invalid(parameter: str, message: str) -> dict[str, object]:
    """Return the documented 422 of a path, its example naming one of its own parameters."""
    return {
        "model": ValidationErrorBody,
        "description": "A parameter is missing, invalid, unknown or repeated; `errors` names each.",
        "headers": NO_STORE,
        "content": {
            "application/json": {
                "example": {
                    "detail": f"{parameter}: {message}",
                    "errors": [{"parameter": parameter, "message": message}],
                }
            }
        },
    }


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    422: _invalid(
        "end_date",
        "must not be before start_date (2025-06-30T00:00:00+00:00 > "
        "2025-06-01T23:59:59.999999+00:00)",
    ),
    503: {
        "model": ErrorBody,
        "description": "The database cannot be used: unreachable, busy (with Retry-After), "
        "refusing the service (authentication, missing database, permission) or lacking a table "
        "or column.",
        "headers": {**NO_STORE, **RETRY_AFTER},
        "content": {
            "application/json": {
                "examples": _examples(
                    ("unavailable", "Unreachable", _detail(DatabaseUnavailableError)),
                    ("busy", "Every connection busy (Retry-After)", _detail(DatabaseBusyError)),
                    (
                        "authentication",
                        "Wrong password or unknown role",
                        _detail(DatabaseAuthenticationError),
                    ),
                    ("missing", "No such database", _detail(DatabaseMissingError)),
                    ("permission", "No SELECT on a table", _detail(DatabasePermissionError)),
                    ("schema", "A table or column missing", _detail(SchemaMismatchError)),
                )
            }
        },
    },
    504: {
        "model": ErrorBody,
        "description": "A query ran past the statement timeout.",
        "headers": NO_STORE,
        "content": {"application/json": {"example": _detail(QueryTimeoutError)}},
    },
}

FILTER_OPTIONS_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    422: _invalid("product_context", "Input should be 'pool' or 'landscape'"),
}

READINESS_RESPONSES: dict[int | str, dict[str, object]] = {
    503: {
        "model": Readiness,
        "description": "Not ready: `status` says why (the database unreachable or refusing the "
        "service, or a table or column missing).",
        "content": {
            "application/json": {
                "examples": _examples(
                    (
                        "unavailable",
                        "Unreachable",
                        {"status": "unavailable", **_detail(DatabaseUnavailableError)},
                    ),
                    (
                        "schema_mismatch",
                        "A column missing",
                        {
                            "status": "schema_mismatch",
                            "detail": "The database lacks: interaction_log.user_feedback",
                            "missing": ["interaction_log.user_feedback"],
                        },
                    ),
                )
            }
        },
    }
}
