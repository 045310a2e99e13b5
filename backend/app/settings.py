"""Service settings, read from the environment once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be configured with; each field is an environment variable."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        description=(
            "postgresql:// or postgresql+asyncpg:// URL of the database to read. "
            "Unset: an embedded PostgreSQL with demo data is started (needs the `demo` extra)."
        ),
    )
    db_pool_size: int = Field(default=5, ge=1, description="Connections kept open in the pool.")
    db_max_overflow: int = Field(
        default=5, ge=0, description="Extra connections opened under load beyond the pool size."
    )
    db_pool_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a request waits for a free pooled connection."
    )
    db_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long opening one database connection may take."
    )
    db_statement_timeout_ms: int = Field(
        default=15_000, ge=1, description="PostgreSQL statement_timeout set on every connection."
    )
    embedded_data_dir: str = Field(
        default=".pgdata",
        description="Where the embedded PostgreSQL keeps its files when DATABASE_URL is unset.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment on first use."""
    return Settings()
