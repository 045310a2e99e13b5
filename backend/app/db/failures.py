"""What a database or driver failure means: db/'s own errors (db/errors.py), said plainly."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.exceptions import (
    ClientConfigurationError,
    ConnectionDoesNotExistError,
    TargetServerAttributeNotMatched,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from backend.app.db.connection_url import ConnectionTarget
from backend.app.db.errors import (
    DatabaseAuthenticationError,
    DatabaseBusyError,
    DatabaseMissingError,
    DatabasePermissionError,
    DatabaseRefusedError,
    DatabaseSettingRefusedError,
    DatabaseTLSError,
    DatabaseUnavailableError,
    QueryTimeoutError,
    SchemaMismatchError,
)

logger = logging.getLogger(__name__)

# SQLSTATEs: 57014 query_canceled (statement_timeout); 42P01 undefined_table,
# 42703 undefined_column (a schema that drifted); class 08 and these 57P/53 codes mean the
# server is unreachable, shutting down or full.
_TIMEOUT_STATES = {"57014"}
_SCHEMA_STATES = {"42P01", "42703"}
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}
# The database refuses the service: 28P01 invalid_password (also an unknown role, which
# PostgreSQL reports the same way), 28000 invalid_authorization_specification, 3D000
# invalid_catalog_name (no such database), 42501 insufficient_privilege.
_REFUSALS: dict[str, type[DatabaseRefusedError]] = {
    "28P01": DatabaseAuthenticationError,
    "28000": DatabaseAuthenticationError,
    "3D000": DatabaseMissingError,
    "42501": DatabasePermissionError,
}
# While connecting, the server reads nothing but the role, the database and the startup
# settings; these SQLSTATEs then say it refused a setting (42704 undefined_object, 22023
# invalid_parameter_value, 55P02 cant_change_runtime_param, 42601 syntax_error), in words.
_SETTING_REFUSALS = {
    "42704": "SQLSTATE 42704, a setting the server does not know",
    "22023": "SQLSTATE 22023, a value the setting does not take",
    "55P02": "SQLSTATE 55P02, a setting fixed when the server starts",
    "42601": "SQLSTATE 42601, a word that is no server switch",
}
NO_DIRECT_TLS = (
    "TLS with the analytics database failed: the server hung up on sslnegotiation=direct, which "
    "starts TLS at once (a server without TLS, or older than PostgreSQL 17, does that)."
)
NO_SERVER_MATCHED = (
    "No analytics database server named in DATABASE_URL matches its target_session_attrs (a "
    "primary or a standby, as asked). Try again shortly."
)
DRIVER_REFUSED = (
    "The analytics database cannot be reached: the driver refused DATABASE_URL's connection "
    "settings."
)


def _sqlstate(error: DBAPIError | asyncpg.PostgresError) -> str | None:
    state = getattr(error.orig if isinstance(error, DBAPIError) else error, "sqlstate", None)
    return state if isinstance(state, str) else None


@asynccontextmanager
async def translated_errors(pool_timeout: float, location: str) -> AsyncIterator[None]:
    """Turn driver and pool failures into db/'s errors, without leaking their text.

    Each is logged with `location`, the database's hosts, ports and name (never the user).
    """
    try:
        yield
    except PoolTimeoutError:
        logger.warning("no pooled database connection became free in time")
        raise DatabaseBusyError(pool_timeout) from None
    except (DBAPIError, asyncpg.PostgresError) as error:
        # The driver's own errors come from streamed statements, which bypass SQLAlchemy.
        state = _sqlstate(error)
        logger.warning("database error %s (%s)", state, location, extra={"sqlstate": state})
        # SQLAlchemy wraps what asyncpg raised while connecting; its cause is the driver's own.
        cause = error.orig.__cause__ if isinstance(error, DBAPIError) and error.orig else None
        if isinstance(cause, TargetServerAttributeNotMatched):
            raise DatabaseUnavailableError(NO_SERVER_MATCHED) from None
        if isinstance(cause, ClientConfigurationError):
            # DATABASE_URL is checked at start; this is what the driver found wrong beyond that.
            raise DatabaseUnavailableError(DRIVER_REFUSED) from None
        if state in _TIMEOUT_STATES:
            raise QueryTimeoutError() from None
        if state in _REFUSALS:
            raise _REFUSALS[state]() from None
        if state in _SCHEMA_STATES:
            raise SchemaMismatchError(
                "The analytics tables are missing a table or column the service reads."
            ) from None
        if (
            (isinstance(error, DBAPIError) and error.connection_invalidated)
            or state in _UNAVAILABLE_STATES
            or (state is not None and state.startswith("08"))
        ):
            raise DatabaseUnavailableError() from None
        raise
    except (ConnectionDoesNotExistError, asyncpg.InternalClientError) as error:
        # The driver's own, from a streamed statement: a connection lost under it (a terminated
        # backend, a restart, a failover), or whose protocol state the loss left confused. Other
        # InterfaceErrors (a value that cannot be encoded) are bugs, and stay 500s.
        logger.warning("the database connection was lost (%s; %s)", type(error).__name__, location)
        raise DatabaseUnavailableError(
            "The analytics database connection was lost during the query. Try again shortly."
        ) from None
    except TimeoutError:
        # The connect timeout, the driver's command timeout, or the call's deadline: the server
        # stopped answering.
        logger.warning("the database did not answer in time (%s)", location)
        raise DatabaseUnavailableError(
            "The analytics database did not answer in time. Try again shortly."
        ) from None
    except ssl.SSLError as error:
        logger.warning("TLS with the database failed (%s; %s)", type(error).__name__, location)
        raise _tls_error(error) from None
    except OSError as error:
        if _tls_refused(error):
            logger.warning("the database refused TLS (%s)", location)
            raise DatabaseTLSError(
                "TLS with the analytics database failed: the server does not offer TLS, which "
                "sslmode in DATABASE_URL asks for."
            ) from None
        # Connecting failed: refused, no such socket, DNS.
        logger.warning("cannot connect to the database (%s)", location)
        raise DatabaseUnavailableError() from None


Connect = Callable[..., Awaitable[asyncpg.Connection]]


def connect_explained(target: ConnectionTarget) -> Connect:
    """Return asyncpg.connect, raising db/'s errors for what only connecting to `target` tells.

    A server refusing a startup setting answers with a SQLSTATE that a statement could give too;
    a server without TLS hangs up on direct TLS, as a failing one might at any time.
    """

    async def connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(*args, **kwargs)
        except asyncpg.PostgresError as error:
            why = _SETTING_REFUSALS.get(_sqlstate(error) or "")
            if why is None:
                raise
            logger.warning("the database refused a startup setting (%s)", why)
            raise DatabaseSettingRefusedError(
                why, options="options" in target.server_settings
            ) from None
        except (ConnectionResetError, ConnectionAbortedError):
            if not target.direct_tls:
                raise
            logger.warning("the database hung up on direct TLS")
            raise DatabaseTLSError(NO_DIRECT_TLS) from None

    return connect


def _tls_refused(error: OSError) -> bool:
    """Return whether asyncpg gave up because the server would not start TLS."""
    # asyncpg raises a plain ConnectionError then, which only its words tell apart.
    return isinstance(error, ConnectionError) and "SSL" in str(error)


def _tls_error(error: ssl.SSLError) -> DatabaseTLSError:
    if isinstance(error, ssl.SSLCertVerificationError):
        return DatabaseTLSError(
            "TLS with the analytics database failed: its certificate was not accepted "
            "(sslmode=verify-ca checks it against sslrootcert, verify-full also its host name)."
        )
    return DatabaseTLSError()
