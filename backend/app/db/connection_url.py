"""DATABASE_URL as libpq reads it: each parameter mapped to asyncpg, or refused at start.

Operators copy their URLs from Cloud SQL and PgBouncer guides, written for libpq. asyncpg reads
most libpq parameters itself from a DSN (hosts, ports, TLS files and modes, target_session_attrs);
the others are mapped here (application_name, connect_timeout, options), accepted where asyncpg
already behaves as the value asks, or refused with a StartupError naming the parameter. A value
asyncpg would only reject when it connects (a TLS mode, a missing certificate file) is refused
here too, so that no request ever meets it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from backend.app.db.server_options import settings_named
from backend.app.start_error import StartupError

_SCHEMES = {
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
}
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_VERIFYING = ("verify-ca", "verify-full")
_TLS_VERSIONS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
# The service's sessions are read-only by its own setting, so libpq's read-write test (is the
# session read-only?) could never pass and read-only always would. What is left to ask is the
# server's state: a writable server is a primary, a read-only one a standby.
_SESSION_ATTRS = {
    "any": "any",
    "primary": "primary",
    "standby": "standby",
    "prefer-standby": "prefer-standby",
    "read-write": "primary",
    "read-only": "standby",
}
# asyncpg reads these from the DSN exactly as libpq does; the values checked below.
_NATIVE = {
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "sslnegotiation",
    "target_session_attrs",
    "krbsrvname",
    "gsslib",
}
_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "passfile")
# Accepted with these values only, which ask for what asyncpg does anyway.
_ALREADY_SO = {
    "channel_binding": {"disable", "prefer"},  # asyncpg never binds the channel
    "gssencmode": {"disable", "prefer"},  # asyncpg has no GSS encryption; prefer falls back
    "sslsni": {"1"},  # asyncpg sends the host name with TLS
    "sslcertmode": {"allow"},  # a client certificate is sent when one is given
    "load_balance_hosts": {"disable"},  # hosts are tried in order
}
_WHY_NOT = {
    "keepalives": "asyncpg sets no TCP keepalives; the service bounds every wait itself",
    "keepalives_idle": "asyncpg sets no TCP keepalives; the service bounds every wait itself",
    "keepalives_interval": "asyncpg sets no TCP keepalives; the service bounds every wait itself",
    "keepalives_count": "asyncpg sets no TCP keepalives; the service bounds every wait itself",
    "tcp_user_timeout": "the service bounds every wait itself (DB_CONNECT_TIMEOUT_SECONDS, "
    "DB_STATEMENT_TIMEOUT_MS)",
    "service": "name the connection's parameters in the URL itself",
    "hostaddr": "give the address as host",
}
# Set by the service on every connection; the names `options` may not set.
SERVICE_SETTINGS = {
    "default_transaction_read_only": "the service's sessions are always read-only",
    "statement_timeout": "set DB_STATEMENT_TIMEOUT_MS",
    "work_mem": "set DB_WORK_MEM",
    "jit": "set DB_JIT",
}


@dataclass(frozen=True)
class ConnectionTarget:
    """What asyncpg connects with: a DSN of the parameters it reads, and the mapped ones."""

    dsn: str
    server_settings: Mapping[str, str]
    # Where it connects, as a log may say it: hosts, ports and database, never who connects.
    location: str
    connect_timeout: float | None = None
    # asyncpg's statement_cache_size and SQLAlchemy's prepared_statement_cache_size, when given.
    cache_sizes: Mapping[str, int] = field(default_factory=dict)
    # sslnegotiation=direct: TLS from the first byte, which a server without TLS just hangs up on.
    direct_tls: bool = False


def _refuse(parameter: str, why: str) -> StartupError:
    # Never the value: it may be the password.
    return StartupError(f"DATABASE_URL parameter {parameter}: {why}")


def _ports(hostspec: str) -> None:
    """Check that every port of a libpq host list (`h1:5432,[::1]:5433`) is a number."""
    for host in filter(None, hostspec.split(",")):
        port = host.rpartition("]")[2] if host.startswith("[") else host
        _, colon, digits = port.rpartition(":")
        if colon and not (digits.isdigit() and 0 < int(digits) < 65536):
            raise _refuse("port", "each port must be a number from 1 to 65535")


def _readable(parameter: str, value: str) -> None:
    if not os.access(Path(value).expanduser(), os.R_OK):
        raise _refuse(parameter, "the file does not exist or cannot be read by the service")


def _system_cas() -> str:
    """Return the system's CA bundle, for libpq's sslrootcert=system."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.access(candidate, os.R_OK):
            return candidate
    raise _refuse("sslrootcert", "system was asked for, but this system has no CA bundle")


def _options(value: str) -> str:
    """Return libpq's `options`, refusing a setting the service sets itself, read as the server
    reads it (a backslash-escaped `-c`, a bundled switch, `-S` for work_mem)."""
    for name in settings_named(value):
        if name in SERVICE_SETTINGS:
            raise _refuse("options", f"it may not set {name}: {SERVICE_SETTINGS[name]}")
    return value


def _tls(query: dict[str, str]) -> None:
    """Check the TLS parameters in `query` (changed in place where libpq's meaning needs it)."""
    if "ssl" in query:
        # SQLAlchemy's and asyncpg's own spelling of sslmode.
        if "sslmode" in query:
            raise _refuse("ssl", "give sslmode or ssl, not both")
        query["sslmode"] = query.pop("ssl")
    mode = query.get("sslmode")
    if mode is not None and mode not in SSL_MODES:
        raise _refuse("sslmode", f"must be one of {', '.join(SSL_MODES)}")
    if query.get("sslrootcert") == "system":
        # libpq: the system's CAs, and then nothing less than verify-full.
        if mode not in (None, "verify-full"):
            raise _refuse("sslrootcert", "system needs sslmode=verify-full")
        query["sslrootcert"], mode = _system_cas(), "verify-full"
        query["sslmode"] = mode
    for name in _FILES:
        if name in query:
            _readable(name, query[name])
    if mode in _VERIFYING and "sslrootcert" not in query:
        default = os.environ.get("PGSSLROOTCERT") or "~/.postgresql/root.crt"
        if not os.access(Path(default).expanduser(), os.R_OK):
            raise _refuse(
                "sslrootcert",
                f"sslmode={mode} checks the server's certificate against a CA: give sslrootcert "
                "(a CA file, or system for this system's CAs)",
            )
    for name in ("ssl_min_protocol_version", "ssl_max_protocol_version"):
        if name in query and query[name] not in _TLS_VERSIONS:
            raise _refuse(name, f"must be one of {', '.join(_TLS_VERSIONS)}")
    negotiation = query.get("sslnegotiation")
    if negotiation not in (None, "postgres", "direct"):
        raise _refuse("sslnegotiation", "must be postgres or direct")
    if negotiation == "direct" and mode not in ("require", *_VERIFYING):
        raise _refuse("sslnegotiation", "direct needs sslmode=require, verify-ca or verify-full")


def _split_netloc(raw: str, netloc: str, path: str) -> tuple[str, str]:
    """Return the user information and the hosts of a URL, refusing what would split wrongly."""
    if "#" in raw:
        # libpq reads a # as any other character; the driver would cut the URL there.
        raise StartupError("DATABASE_URL holds a #: percent-encode it as %23 (in a password, say)")
    userinfo, _, hostspec = netloc.rpartition("@")
    if "@" not in netloc and "@" in raw.partition("://")[2]:
        # An @ after the host part: a ? or / in the password ended it early, and the rest of the
        # password would be read as the path or a parameter (and named in an error).
        raise StartupError(
            "DATABASE_URL's user information (user:password@) holds an unescaped ? or /: "
            "percent-encode them in the user and password as %3F and %2F"
        )
    if "@" in userinfo:
        # libpq and the driver would end the user information at the first @, and read the rest
        # of the password as a host name to look up.
        raise StartupError(
            "DATABASE_URL's user information (user:password@) holds an unescaped @: "
            "percent-encode each @ in the user and password as %40"
        )
    if "\x00" in unquote(userinfo + path):
        raise StartupError(
            "DATABASE_URL's user, password or database name holds a NUL character (%00), which "
            "PostgreSQL cannot take"
        )
    return userinfo, hostspec


def _libpq_precedence(userinfo: str, hostspec: str, path: str, query: dict[str, str]) -> str:
    """Return the URL's part before the query with what `query` overrides taken out.

    libpq reads the query last, so `?dbname=`, `user`, `password`, `host` and `port` override
    the URL's own parts; the driver reads them only where those are empty. What the query
    overrides is emptied, and the hosts and ports of a host list move into the query with it.
    """
    user, colon, password = userinfo.partition(":")
    if "user" in query:
        user = ""
    if "password" in query:
        colon = password = ""
    if ("host" in query or "port" in query) and hostspec:
        _fold_hosts(hostspec, query)
        hostspec = ""
    if "dbname" in query:
        path = ""
    userinfo = f"{user}{colon}{password}"
    # Written out by hand: urlunsplit would drop the // of a URL without a host.
    return f"postgresql://{userinfo}{'@' if userinfo else ''}{hostspec}{path}"


def _fold_hosts(hostspec: str, query: dict[str, str]) -> None:
    """Move a host list's hosts and ports into `query`, where it names neither already."""
    hosts, ports = [], []
    for entry in hostspec.split(","):
        closing = entry.find("]") + 1  # an IPv6 address in brackets, kept so for the driver
        host, _, port = entry[closing:].partition(":")
        hosts.append(unquote(entry[:closing] + host))
        ports.append(port)
    query.setdefault("host", ",".join(hosts))
    if any(ports):
        # libpq's default port for a host of the list that names none.
        query.setdefault("port", ",".join(port or "5432" for port in ports))


def _location(hostspec: str, path: str, query: Mapping[str, str]) -> str:
    """Return the hosts, ports and database the URL names, each as libpq defaults it if unnamed.

    Never the user: unnamed, the database is the user's name, which is said in other words.
    """
    named = dict(query)
    if hostspec:
        # The query wins, as libpq reads it (_libpq_precedence).
        _fold_hosts(hostspec, named)
    host = named.get("host") or os.environ.get("PGHOST") or "a local socket or localhost"
    port = named.get("port") or os.environ.get("PGPORT") or "5432"
    database = (
        named.get("dbname")
        or unquote(path.removeprefix("/"))
        or os.environ.get("PGDATABASE")
        or "named as the user"
    )
    return f"host {host}, port {port}, database {database}"


def parse_database_url(raw: str) -> ConnectionTarget:
    """Return how to connect to the database `raw` names, or raise a StartupError saying why not."""
    try:
        parts = urlsplit(raw.strip())
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        raise StartupError("DATABASE_URL is not a URL") from None
    if parts.scheme not in _SCHEMES:
        raise StartupError(
            "DATABASE_URL must be a postgresql:// or postgresql+asyncpg:// URL, "
            f"not {parts.scheme or 'one without a scheme'}"
        )
    userinfo, hostspec = _split_netloc(raw, parts.netloc, parts.path)
    _ports(hostspec)
    query: dict[str, str] = {}
    for name, value in pairs:
        if name in query:
            raise _refuse(name, "given more than once")
        if "\x00" in value:
            # The server would refuse every connection's startup packet.
            raise _refuse(name, "holds a NUL character (%00), which PostgreSQL cannot take")
        query[name] = value
    settings: dict[str, str] = {}
    timeout: float | None = None
    cache_sizes: dict[str, int] = {}
    if "fallback_application_name" in query:
        settings["application_name"] = query.pop("fallback_application_name")
    if "application_name" in query:
        settings["application_name"] = query.pop("application_name")
    if "options" in query:
        # Sent as libpq sends it: the `options` startup parameter, read by the server.
        settings["options"] = _options(query.pop("options"))
    if "connect_timeout" in query:
        text = query.pop("connect_timeout")
        try:
            timeout = float(text)
        except ValueError:
            raise _refuse("connect_timeout", "must be a number of seconds") from None
        if not 0 < timeout < 3600:
            raise _refuse(
                "connect_timeout",
                "must be more than 0 and less than an hour of seconds (libpq reads 0 as no limit; "
                "the service bounds every wait)",
            )
    for name in ("statement_cache_size", "prepared_statement_cache_size"):
        if name in query:
            # PgBouncer's transaction mode needs 0: no prepared statements kept.
            text = query.pop(name)
            if not text.isdigit():
                raise _refuse(name, "must be a whole number, 0 or more")
            cache_sizes[name] = int(text)
    if "port" in query:
        _ports(",".join(f"h:{port}" for port in query["port"].split(",")))
    _tls(query)
    attrs = query.get("target_session_attrs")
    if attrs is not None:
        if attrs not in _SESSION_ATTRS:
            raise _refuse("target_session_attrs", f"must be one of {', '.join(_SESSION_ATTRS)}")
        query["target_session_attrs"] = _SESSION_ATTRS[attrs]
    for name in list(query):
        if name in _ALREADY_SO:
            if query.pop(name) not in _ALREADY_SO[name]:
                allowed = ", ".join(sorted(_ALREADY_SO[name]))
                raise _refuse(name, f"asyncpg can only do {allowed}")
        elif name not in _NATIVE:
            raise _refuse(name, _WHY_NOT.get(name, "not a connection parameter the service knows"))
    location = _location(hostspec, parts.path, query)
    dsn = _libpq_precedence(userinfo, hostspec, parts.path, query)
    if query:
        dsn += f"?{urlencode(query)}"
    return ConnectionTarget(
        dsn=dsn,
        server_settings=settings,
        connect_timeout=timeout,
        cache_sizes=cache_sizes,
        direct_tls=query.get("sslnegotiation") == "direct",
        location=location,
    )
