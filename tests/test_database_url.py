"""DATABASE_URL forms the service accepts."""

from __future__ import annotations

import pytest

from backend.app.db.client import async_database_url


@pytest.mark.parametrize(
    ("raw", "host", "database"),
    [
        ("postgresql://analyst:pw@db.internal:5432/analytics", "db.internal", "analytics"),
        ("postgres://analyst:pw@db.internal/analytics", "db.internal", "analytics"),
        ("postgresql+asyncpg://analyst:pw@10.0.0.5:6432/analytics", "10.0.0.5", "analytics"),
    ],
)
def test_tcp_urls_use_asyncpg(raw: str, host: str, database: str) -> None:
    url = async_database_url(raw)
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.database) == (host, database)
    assert url.password == "pw"


def test_cloud_sql_unix_socket_url() -> None:
    url = async_database_url("postgresql://analyst:pw@/analytics?host=/cloudsql/proj:region:inst")
    assert url.drivername == "postgresql+asyncpg"
    assert url.host is None
    assert url.query["host"] == "/cloudsql/proj:region:inst"


def test_libpq_sslmode_becomes_asyncpg_ssl() -> None:
    url = async_database_url("postgresql://a:b@h/d?sslmode=require")
    assert url.query == {"ssl": "require"}


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        async_database_url("mysql://a:b@h/d")
