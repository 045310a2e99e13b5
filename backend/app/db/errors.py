"""What went wrong with the database, in plain words: the errors db/ raises."""

from __future__ import annotations

from typing import ClassVar


class DatabaseError(Exception):
    """The database gave no answer; `detail` says why, in words fit for whoever reads it."""

    default_detail: ClassVar[str] = "The analytics database gave no answer."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class DatabaseUnavailableError(DatabaseError):
    """The database cannot be reached, stopped answering, or cannot take the work now."""

    default_detail = "The analytics database cannot be reached. Try again shortly."


class DatabaseBusyError(DatabaseUnavailableError):
    """Every database connection (or text stream) stayed busy for the whole wait: try again."""

    default_detail = "All database connections are busy. Try again shortly."

    def __init__(self, wait_seconds: float, detail: str | None = None) -> None:
        super().__init__(detail)
        # How long this request waited for a connection: about as long as is worth waiting
        # before trying again.
        self.wait_seconds = wait_seconds


class DatabaseRefusedError(DatabaseUnavailableError):
    """The database answers but refuses the service; the subclass is the reason."""

    default_detail = "The analytics database refused the service."


class DatabaseAuthenticationError(DatabaseRefusedError):
    """The database refused the service's user or password."""

    default_detail = (
        "The analytics database refused the service's credentials (authentication failed): "
        "check the user and password of DATABASE_URL."
    )


class DatabaseMissingError(DatabaseRefusedError):
    """The database named in the service's URL does not exist on the server."""

    default_detail = (
        "The database named in DATABASE_URL does not exist on the analytics server (missing "
        "database)."
    )


class DatabasePermissionError(DatabaseRefusedError):
    """The service's role may not read a table or column it needs."""

    default_detail = (
        "The service's database role is not allowed to read the analytics tables (permission "
        "denied): grant it SELECT on them."
    )


class DatabaseTLSError(DatabaseRefusedError):
    """TLS with the database failed: it offers none, or its certificate was not accepted."""

    default_detail = "TLS with the analytics database failed: check sslmode in DATABASE_URL."


class DatabaseSettingRefusedError(DatabaseRefusedError):
    """The database refused a setting the service's connections start with (`options`, say)."""

    def __init__(self, why: str, *, options: bool) -> None:
        # `options` in DATABASE_URL when it gives any, else the service's own settings, of
        # which only DB_WORK_MEM is free text the server could refuse.
        self.culprit = "options in DATABASE_URL" if options else "DB_WORK_MEM"
        self.why = why
        super().__init__(
            f"The analytics database refused a startup setting of the service's connections "
            f"({why}): check {self.culprit}."
        )


class SchemaMismatchError(DatabaseError):
    """The database answers, but a table or column the service reads is missing."""

    default_detail = "The analytics database does not have the expected tables and columns."


class QueryTimeoutError(DatabaseError):
    """A query ran past the statement timeout."""

    default_detail = (
        "The query ran past the statement timeout. Narrow the date window or try again."
    )
