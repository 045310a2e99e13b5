"""DATABASE_URL as operators write it: libpq parameters, mapped to asyncpg or refused at start.

The parsing is checked alone first; then every parameter against two real PostgreSQL servers of
the module's own on 127.0.0.1 (tests/tcp_postgres.py): one without TLS, one with TLS from a
certificate authority the test made. Each URL is served by a new app; what its engine's
connections are (application_name, TLS, the client certificate) is read from PostgreSQL itself.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from backend.app.db.connection_url import parse_database_url
from backend.app.start_error import StartupError
from backend.demo.embedded import apply_schema
from tests.private_redis import free_port
from tests.support.apps import running_app
from tests.support.windows import pool
from tests.tcp_postgres import TcpPostgres, binaries, tcp_postgres

# --- The URL alone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://analyst:pw@db.internal:5432/analytics",
        "postgres://analyst:pw@db.internal/analytics",
        "postgresql+asyncpg://analyst:pw@10.0.0.5:6432/analytics",
        "postgresql+psycopg2://analyst:pw@10.0.0.5:6432/analytics",
    ],
)
def test_every_postgresql_scheme_becomes_a_libpq_dsn(raw: str) -> None:
    target = parse_database_url(raw)
    assert target.dsn == "postgresql://" + raw.partition("://")[2]
    assert target.server_settings == {}


def test_cloud_sql_unix_socket_url_keeps_its_host() -> None:
    url = "postgresql://analyst:pw@/analytics?host=/cloudsql/proj:region:inst"
    assert parse_database_url(url).dsn == (
        "postgresql://analyst:pw@/analytics?host=%2Fcloudsql%2Fproj%3Aregion%3Ainst"
    )
    # And libpq's form without any netloc at all keeps its //.
    assert parse_database_url("postgresql:///analytics?host=/tmp").dsn.startswith(
        "postgresql:///analytics?"
    )


def test_mapped_parameters() -> None:
    target = parse_database_url(
        "postgresql://a:b@h/d?application_name=analytics&connect_timeout=7"
        "&options=-c%20search_path%3Dreporting&sslmode=prefer&target_session_attrs=read-write"
        "&prepared_statement_cache_size=0&statement_cache_size=0&channel_binding=prefer"
    )
    assert target.server_settings == {
        "application_name": "analytics",
        "options": "-c search_path=reporting",
    }
    assert target.connect_timeout == 7.0
    assert dict(target.cache_sizes) == {
        "prepared_statement_cache_size": 0,
        "statement_cache_size": 0,
    }
    # asyncpg reads sslmode itself; read-write asks for a primary (see connection_url.py).
    assert target.dsn == "postgresql://a:b@h/d?sslmode=prefer&target_session_attrs=primary"


def test_fallback_application_name_yields_to_application_name() -> None:
    fallback = parse_database_url("postgresql://h/d?fallback_application_name=guide")
    both = parse_database_url("postgresql://h/d?fallback_application_name=guide&application_name=x")
    assert fallback.server_settings == {"application_name": "guide"}
    assert both.server_settings == {"application_name": "x"}


def test_asyncpg_spelling_ssl_is_sslmode() -> None:
    assert parse_database_url("postgresql://a:b@h/d?ssl=require").dsn.endswith("?sslmode=require")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("sslmode=required", "sslmode"),
        ("sslmode=require&ssl=require", "ssl"),
        ("sslmode=verify-full&sslrootcert=/no/such/ca.crt", "sslrootcert"),
        ("sslmode=verify-ca", "sslrootcert"),
        ("sslrootcert=system&sslmode=require", "sslrootcert"),
        ("sslcert=/no/such/client.crt", "sslcert"),
        ("ssl_min_protocol_version=SSLv3", "ssl_min_protocol_version"),
        ("sslnegotiation=direct", "sslnegotiation"),
        ("target_session_attrs=master", "target_session_attrs"),
        ("connect_timeout=soon", "connect_timeout"),
        ("connect_timeout=0", "connect_timeout"),
        ("options=-c%20default_transaction_read_only%3Doff", "options"),
        ("options=--statement-timeout%3D0", "options"),
        # The server's own switch for work_mem, a backslash before -c (the server drops it), and
        # -c bundled behind another switch: each sets a setting the service sets.
        ("options=-S%201", "options"),
        ("options=%5C-c%20work_mem%3D1", "options"),
        ("options=-ec%20jit%3Don", "options"),
        ("application_name=a%00b", "application_name"),
        ("keepalives=1", "keepalives"),
        ("channel_binding=require", "channel_binding"),
        ("gssencmode=require", "gssencmode"),
        ("service=analytics", "service"),
        ("colour=blue", "colour"),
        ("application_name=a&application_name=b", "application_name"),
        ("port=fifty", "port"),
    ],
)
def test_a_parameter_the_service_cannot_honour_is_refused_naming_it(
    query: str, parameter: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No default root certificate either (libpq and asyncpg would look in ~/.postgresql).
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    with pytest.raises(StartupError, match=f"^DATABASE_URL parameter {parameter}: ") as refusal:
        parse_database_url(f"postgresql://analyst:hunter2@db.internal/analytics?{query}")
    assert "hunter2" not in str(refusal.value)


def test_a_port_that_is_no_number_is_refused_without_the_url() -> None:
    with pytest.raises(StartupError, match="parameter port") as refusal:
        parse_database_url("postgresql://analyst:hunter2@db.internal:notaport/analytics")
    assert "hunter2" not in str(refusal.value)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("postgresql://analyst:hun@ter2@db.internal/analytics", "percent-encode each @"),
        ("postgresql://analyst:hun#ter2@db.internal/analytics", "percent-encode it as %23"),
        ("postgresql://analyst:hun%00ter2@db.internal/analytics", "NUL character"),
        # A ? or / ends the host part early: the rest of the password would be a parameter's
        # name, or the database's, in the error.
        ("postgresql://analyst:hun?ter2=1@db.internal/analytics", "percent-encode them"),
        ("postgresql://analyst:hun/ter2@db.internal/analytics", "percent-encode them"),
    ],
)
def test_a_password_that_would_split_wrongly_is_refused_without_it(raw: str, words: str) -> None:
    with pytest.raises(StartupError, match=words) as refusal:
        parse_database_url(raw)
    assert "hun" not in str(refusal.value)
    assert "ter2" not in str(refusal.value)


@pytest.mark.parametrize(
    ("raw", "dsn"),
    [
        # libpq reads the query last: what it names overrides the URL's own part.
        ("postgresql://a:b@h:5432/?dbname=x", "postgresql://a:b@h:5432?dbname=x"),
        ("postgresql://a:b@h/d?dbname=x", "postgresql://a:b@h?dbname=x"),
        ("postgresql://a:b@h/d?user=u", "postgresql://:b@h/d?user=u"),
        ("postgresql://a:b@h/d?password=p", "postgresql://a@h/d?password=p"),
        # A host list's hosts and ports go to the query with whichever of the two it names.
        ("postgresql://a@h:1/d?host=k", "postgresql://a@/d?host=k&port=1"),
        ("postgresql://a@h1:1,[::1]/d?port=7", "postgresql://a@/d?port=7&host=h1%2C%5B%3A%3A1%5D"),
        ("postgresql://a@h1:1,h2/d?host=k1,k2", "postgresql://a@/d?host=k1%2Ck2&port=1%2C5432"),
    ],
)
def test_the_query_overrides_the_url_as_libpq_reads_it(raw: str, dsn: str) -> None:
    assert parse_database_url(raw).dsn == dsn


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        (
            "postgresql://analyst:pw@db.internal:6432/analytics",
            "db.internal, port 6432, database analytics",
        ),
        # The query overrides the URL's parts here too; each host of a list keeps its port.
        ("postgresql://a:pw@h:1/d?host=k", "k, port 1, database d"),
        ("postgresql://a:pw@h1:1,h2/d%20x", "h1,h2, port 1,5432, database d x"),
        (
            "postgresql://a:pw@/heritage?host=/cloudsql/p:r:i",
            "/cloudsql/p:r:i, port 5432, database heritage",
        ),
        ("postgresql://a:pw@h/d?dbname=x&port=7", "h, port 7, database x"),
        # What libpq would default to, said without the user's name.
        (
            "postgresql://analyst:pw@",
            "a local socket or localhost, port 5432, database named as the user",
        ),
    ],
)
def test_the_location_names_hosts_ports_and_database_never_the_user(
    monkeypatch: pytest.MonkeyPatch, raw: str, location: str
) -> None:
    for name in ("PGHOST", "PGPORT", "PGDATABASE"):
        monkeypatch.delenv(name, raising=False)
    assert parse_database_url(raw).location == f"host {location}"


def test_the_location_defaults_as_libpq_does_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGHOST", "db.env")
    monkeypatch.setenv("PGPORT", "5433")
    monkeypatch.setenv("PGDATABASE", "from_env")
    assert parse_database_url("postgresql://analyst:pw@").location == (
        "host db.env, port 5433, database from_env"
    )


def test_other_schemes_are_refused() -> None:
    with pytest.raises(StartupError, match="postgresql://"):
        parse_database_url("mysql://a:b@h/d")


# --- Against real servers -----------------------------------------------------------------------


def _server(tmp_path_factory: pytest.TempPathFactory, name: str, *, tls: bool) -> Iterator[Any]:
    bin_dir = binaries(tls=tls)
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL built with TLS here (set POSTGRES_BIN to its bin directory, or "
            "apt-get install postgresql)"
        )
    with tcp_postgres(tmp_path_factory.mktemp(name), bin_dir, tls=tls) as server:
        yield server


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpPostgres]:
    """Yield a PostgreSQL on TCP without TLS."""
    yield from _server(tmp_path_factory, "plain", tls=False)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpPostgres]:
    """Yield a PostgreSQL on TCP with TLS (and a client-certificate authority)."""
    yield from _server(tmp_path_factory, "tls", tls=True)


async def _with_tables(server: TcpPostgres) -> None:
    connection = await asyncpg.connect(server.url(), ssl=False)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = 'analytics'")
        if not exists:
            await connection.execute("CREATE DATABASE analytics")
    finally:
        await connection.close()
    connection = await asyncpg.connect(server.url("analytics"), ssl=False)
    try:
        await apply_schema(connection)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def plain_db(plain: TcpPostgres) -> TcpPostgres:
    """Return the plain server once it holds the analytics tables."""
    await _with_tables(plain)
    return plain


@pytest.fixture(scope="module")
async def tls_db(tls: TcpPostgres) -> TcpPostgres:
    """Return the TLS server once it holds the analytics tables."""
    await _with_tables(tls)
    return tls


async def _ask(app: FastAPI, sql: str) -> Any:
    """Return the value `sql` gives on one of the app's own pooled connections."""
    async with app.state.database.engine.connect() as connection:
        return (await connection.execute(text(sql))).scalar_one()


CONNECTION_TLS = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


async def served(url: str, *questions: str) -> tuple[dict[str, Any], list[Any]]:
    """Return the app's answers on `url` (an analytics endpoint, readiness), and the values of
    `questions` asked on its own connections."""
    async with running_app(url) as (app, client):
        sessions = await client.get("/analytics/sessions", params=pool())
        ready = await client.get("/health/ready")
        values = [await _ask(app, question) for question in questions]
    answers = {
        "sessions": sessions.status_code,
        "ready": (ready.status_code, ready.json()["status"]),
        "detail": sessions.json().get("detail"),
    }
    return answers, values


OK = {"sessions": 200, "ready": (200, "ready"), "detail": None}


async def test_application_name_options_and_connect_timeout(plain_db: TcpPostgres) -> None:
    url = plain_db.url(
        "analytics",
        query="application_name=analytics-console&connect_timeout=3"
        "&options=-c%20search_path%3Dpublic%2Cpg_catalog%20-c%20geqo%3Doff",
    )
    answers, values = await served(
        url,
        "SHOW application_name",
        "SHOW search_path",
        "SHOW geqo",
        "SHOW default_transaction_read_only",
    )
    assert answers == OK
    # The URL's own settings reach the server; the service's read-only one still wins.
    assert values == ["analytics-console", "public,pg_catalog", "off", "on"]


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer"])
async def test_modes_that_allow_plain_connections_work_without_tls(
    plain_db: TcpPostgres, mode: str
) -> None:
    answers, [encrypted] = await served(
        plain_db.url("analytics", query=f"sslmode={mode}"), CONNECTION_TLS
    )
    assert answers == OK
    assert encrypted is False


@pytest.mark.parametrize("mode", ["require", "verify-ca", "verify-full"])
async def test_modes_that_need_tls_are_a_503_naming_tls_without_it(
    plain_db: TcpPostgres, mode: str
) -> None:
    query = f"sslmode={mode}&sslrootcert={plain_db.file('ca.crt')}"
    answers, _ = await served(plain_db.url("analytics", query=query))
    assert answers["sessions"] == 503
    assert answers["ready"] == (503, "tls_failed")
    assert "TLS" in answers["detail"]
    assert "does not offer TLS" in answers["detail"]
    assert str(plain_db.port) not in answers["detail"]


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [("any", OK), ("primary", OK), ("read-write", OK), ("prefer-standby", OK)],
)
async def test_target_session_attrs_on_a_primary(
    plain_db: TcpPostgres, attrs: str, expected: dict[str, Any]
) -> None:
    answers, _ = await served(plain_db.url("analytics", query=f"target_session_attrs={attrs}"))
    assert answers == expected


@pytest.mark.parametrize("attrs", ["standby", "read-only"])
async def test_asking_a_primary_for_a_standby_is_a_503_saying_so(
    plain_db: TcpPostgres, attrs: str
) -> None:
    answers, _ = await served(plain_db.url("analytics", query=f"target_session_attrs={attrs}"))
    assert answers["sessions"] == 503
    assert answers["ready"] == (503, "unavailable")
    assert "target_session_attrs" in answers["detail"]


async def test_a_host_list_and_a_socket_directory(plain_db: TcpPostgres) -> None:
    # The first host refuses (nothing listens there), the second answers, as libpq tries them.
    hosts = f"postgresql://postgres@127.0.0.1:{free_port()},127.0.0.1:{plain_db.port}/analytics"
    assert (await served(hosts))[0] == OK
    # The same server through its Unix socket, named by host= as Cloud SQL does on Cloud Run.
    socket_url = f"postgresql://postgres@/analytics?host={plain_db.socket_dir}&port={plain_db.port}"
    assert (await served(socket_url))[0] == OK


async def test_statement_caches_can_be_turned_off_for_pgbouncer(plain_db: TcpPostgres) -> None:
    query = "statement_cache_size=0&prepared_statement_cache_size=0"
    assert (await served(plain_db.url("analytics", query=query)))[0] == OK


@pytest.mark.parametrize("mode", ["require", "prefer"])
async def test_tls_is_used_where_the_server_offers_it(tls_db: TcpPostgres, mode: str) -> None:
    answers, [encrypted] = await served(
        tls_db.url("analytics", query=f"sslmode={mode}"), CONNECTION_TLS
    )
    assert answers == OK
    assert encrypted is True


@pytest.mark.parametrize(("mode", "expected"), [("disable", False), ("allow", False)])
async def test_plain_modes_stay_plain_on_a_tls_server(
    tls_db: TcpPostgres, mode: str, expected: bool
) -> None:
    # allow tries without TLS first, and this server accepts that.
    answers, [encrypted] = await served(
        tls_db.url("analytics", query=f"sslmode={mode}"), CONNECTION_TLS
    )
    assert answers == OK
    assert encrypted is expected


@pytest.mark.parametrize(
    ("host", "mode", "authority"),
    [
        ("127.0.0.1", "verify-ca", "ca.crt"),  # verify-ca does not check the host name
        ("localhost", "verify-full", "ca.crt"),  # the certificate's name
    ],
)
async def test_verified_tls(tls_db: TcpPostgres, host: str, mode: str, authority: str) -> None:
    query = f"sslmode={mode}&sslrootcert={tls_db.file(authority)}"
    answers, [encrypted] = await served(
        tls_db.url("analytics", host=host, query=query), CONNECTION_TLS
    )
    assert answers == OK
    assert encrypted is True


@pytest.mark.parametrize(
    ("host", "mode", "authority"),
    [
        ("127.0.0.1", "verify-full", "ca.crt"),  # the certificate is for localhost only
        ("localhost", "verify-ca", "stranger.crt"),  # signed by another authority
        ("localhost", "verify-full", "stranger.crt"),
    ],
)
async def test_a_certificate_not_accepted_is_a_503_naming_tls(
    tls_db: TcpPostgres, host: str, mode: str, authority: str
) -> None:
    query = f"sslmode={mode}&sslrootcert={tls_db.file(authority)}"
    answers, _ = await served(tls_db.url("analytics", host=host, query=query))
    assert answers["sessions"] == 503
    assert answers["ready"] == (503, "tls_failed")
    assert "TLS" in answers["detail"]
    assert "certificate was not accepted" in answers["detail"]


async def test_a_client_certificate_is_presented(tls_db: TcpPostgres) -> None:
    query = (
        f"sslmode=verify-full&sslrootcert={tls_db.file('ca.crt')}"
        f"&sslcert={tls_db.file('client.crt')}&sslkey={tls_db.file('client.key')}"
        "&ssl_min_protocol_version=TLSv1.3"
    )
    answers, values = await served(
        tls_db.url("analytics", host="localhost", query=query),
        "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    assert answers == OK
    assert values == ["/CN=postgres", "TLSv1.3"]


async def test_direct_tls_negotiation(tls_db: TcpPostgres) -> None:
    # PostgreSQL 17 and later accept TLS at once, without the SSLRequest round trip.
    connection = await asyncpg.connect(tls_db.url(), ssl=False)
    try:
        version = int(await connection.fetchval("SHOW server_version_num"))
    finally:
        await connection.close()
    if version < 170000:
        pytest.skip(
            f"the PostgreSQL built with TLS here is {version // 10000}; direct TLS needs 17"
        )
    answers, [encrypted] = await served(
        tls_db.url("analytics", query="sslmode=require&sslnegotiation=direct"), CONNECTION_TLS
    )
    assert answers == OK
    assert encrypted is True


async def test_direct_tls_to_a_server_without_tls_is_tls_failed(plain_db: TcpPostgres) -> None:
    # The server reads TLS's first bytes as a malformed startup packet and hangs up.
    query = "sslmode=require&sslnegotiation=direct"
    answers, _ = await served(plain_db.url("analytics", query=query))
    assert answers["sessions"] == 503
    assert answers["ready"] == (503, "tls_failed")
    assert "sslnegotiation=direct" in answers["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:{port}/?dbname=analytics",
        # The postgres database has none of the tables: read, it would be a schema_mismatch.
        "postgresql://postgres@127.0.0.1:{port}/postgres?dbname=analytics",
        # No role nobody exists: read, it would be authentication_failed.
        "postgresql://nobody@127.0.0.1:{port}/analytics?user=postgres",
        # Nothing listens on the URL's own port, and db.invalid resolves nowhere (RFC 6761).
        "postgresql://postgres@127.0.0.1:{closed}/analytics?port={port}",
        "postgresql://postgres@db.invalid:{port}/analytics?host=127.0.0.1",
    ],
)
async def test_the_query_overrides_the_url_as_in_psql(plain_db: TcpPostgres, url: str) -> None:
    served_url = url.format(port=plain_db.port, closed=free_port())
    answers, values = await served(served_url, "SELECT current_database()", "SELECT current_user")
    assert answers == OK
    assert values == ["analytics", "postgres"]


@pytest.mark.parametrize(
    "options",
    [
        "-c bogus_guc=1",  # 42704: no such setting
        "-c geqo=maybe",  # 22023: not a value of the setting
        "-c shared_buffers=1MB",  # 55P02: set when the server starts
        "-Z",  # 42601: no switch of the server
        "-c\\ geqo=off",  # the escaped space is part of the name: " geqo", no such setting
    ],
)
async def test_options_the_server_refuses_stop_the_start_naming_options(
    plain_db: TcpPostgres, options: str
) -> None:
    url = plain_db.url("analytics", query=urlencode({"options": options}))
    with pytest.raises(StartupError, match=r"refused a startup setting .*check options in"):
        async with running_app(url):
            pass


async def test_an_unescaped_at_stops_the_start_before_any_lookup(
    plain_db: TcpPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[object] = []
    real_lookup = socket.getaddrinfo

    def recorded(host: object, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        return real_lookup(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", recorded)
    url = f"postgresql://postgres:pass@word@127.0.0.1:{plain_db.port}/analytics"
    with pytest.raises(StartupError, match=r"user information .* percent-encode each @ .* %40"):
        async with running_app(url):
            pass
    # Read at the first @, as libpq and the driver do, "word@127.0.0.1" would be looked up.
    assert looked_up == []


async def test_a_refused_url_stops_the_start(database_url: str) -> None:
    # The embedded server's URL carries a query (its socket); the machine's has none.
    separator = "&" if "?" in database_url else "?"
    with pytest.raises(StartupError, match="DATABASE_URL parameter keepalives"):
        async with running_app(f"{database_url}{separator}keepalives=1"):
            pass
