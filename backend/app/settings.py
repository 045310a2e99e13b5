"""Service settings, read from the environment once."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from backend.app.models.zones import iana_zones

# A shorter shared secret could be guessed; docs/configuration.md suggests 32 random bytes.
MIN_SIGNING_KEY_CHARS = 16


class Settings(BaseSettings):
    """Everything the service can be configured with; each field is an environment variable."""

    # An error names the setting and says what is wrong; it never echoes the raw environment,
    # which may hold a password (CACHE_URL, a DATABASE_URL that failed to parse).
    model_config = SettingsConfigDict(env_file=None, extra="ignore", hide_input_in_errors=True)

    database_url: SecretStr | None = Field(
        default=None,
        description=(
            "postgresql:// or postgresql+asyncpg:// URL of the database to read. "
            "Unset: an embedded PostgreSQL with demo data is started (needs the `demo` extra)."
        ),
    )
    db_pool_size: int = Field(default=8, ge=1, description="Connections kept open in the pool.")
    db_max_overflow: int = Field(
        default=4, ge=0, description="Extra connections opened under load beyond the pool size."
    )
    db_pool_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a request may wait, in all, for the connections it needs before a "
        "503 with Retry-After.",
    )
    db_max_waiting_requests: int = Field(
        default=100,
        ge=0,
        description="Requests that may queue for connections at once; beyond, a 503 at once.",
    )
    db_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long opening one database connection may take."
    )
    db_statement_timeout_ms: int = Field(
        default=30_000, ge=1, description="PostgreSQL statement_timeout set on every connection."
    )
    db_work_mem: str = Field(
        default="64MB",
        description="PostgreSQL work_mem on every connection: memory per sort or hash before it "
        "spills to disk. A year of sessions needs more than the 4MB default.",
    )
    db_jit: bool = Field(
        default=False,
        description="PostgreSQL JIT on the service's connections. Off: compiling costs more than "
        "it saves on these short aggregations.",
    )
    embedded_data_dir: str = Field(
        default=".pgdata",
        description="Where the embedded PostgreSQL keeps its files when DATABASE_URL is unset.",
    )
    pain_points_streams: int | None = Field(
        default=None,
        ge=1,
        description="Pain-point text streams (one per window) over windows of up to 31 local "
        "dates computed at once; more wait up to DB_POOL_TIMEOUT_SECONDS, then get a 503 with "
        "Retry-After. Unset: one per CPU the service sees.",
    )
    pain_points_long_streams: int | None = Field(
        default=None,
        ge=1,
        description="Pain-point text streams over longer windows computed at once; more wait as "
        "above. Unset: the CPUs divided by those one stream keeps busy (its own, its database "
        "backend's and each label worker's; one with an API key), at least one: one with the "
        "default PAIN_POINTS_WORKERS.",
    )
    pain_points_workers: int | None = Field(
        default=None,
        ge=0,
        description="Worker processes that label pain-point texts beside the service's own. "
        "Unset: the CPUs the service sees beyond two (none on one or two CPUs).",
    )
    pain_points_processing_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long one window's pain points may spend labelling and grouping texts "
        "(database time aside) before the request gets a 504.",
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None,
        description="Turns on LLM classification of pain points; unset: local keyword rules.",
    )
    llm_model: str = Field(default="claude-haiku-5-5", description="Claude model for pain points.")
    llm_base_url: str | None = Field(
        default=None, description="Anthropic API base URL (a proxy or gateway); unset: default."
    )
    llm_batch_size: int = Field(default=50, ge=1, le=500, description="Texts per LLM call.")
    llm_max_concurrency: int = Field(
        default=4, ge=1, description="LLM calls in flight at once for one request."
    )
    llm_max_texts_per_request: int = Field(
        default=1_000,
        ge=0,
        description="Distinct uncached texts one request may send to the LLM (most frequent "
        "first); the rest go to the local classifier.",
    )
    llm_max_text_chars: int = Field(
        default=500, ge=20, description="Longer texts are cut to this length before sending."
    )
    llm_timeout_seconds: float = Field(default=20.0, gt=0, description="Timeout of one LLM call.")
    llm_max_retries: int = Field(
        default=1, ge=0, description="SDK retries of a failed LLM call (429, 5xx, network)."
    )
    llm_deadline_seconds: float = Field(
        default=25.0,
        gt=0,
        description="Total time one request may spend waiting on the LLM; batches still "
        "running then are answered by the local classifier.",
    )
    classifier_cache_size: int = Field(
        default=100_000,
        ge=0,
        description="Texts the LLM classified, remembered across requests (LRU).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (the console's), as a JSON "
        'list (["https://console.example.com"]) or comma-separated; none by default. Each is an '
        "origin as a browser sends it: scheme, host and optional port, with no path and no "
        "trailing slash.",
    )
    llm_breaker_failures: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed LLM calls after which pain points stop calling the LLM "
        "for the cool-down (circuit breaker).",
    )
    llm_breaker_cooldown_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long the LLM is left alone after the breaker opens; then one call probes "
        "it.",
    )
    report_timezone: str = Field(
        default="UTC",
        description="The reporting time zone of a request that gives no `tz`: an IANA name.",
    )
    cache_url: SecretStr | None = Field(
        default=None,
        description="redis:// (or rediss://) URL of a Redis shared by every instance, for answers "
        "and LLM classifications; unset: an in-process cache per instance.",
    )
    cache_max_entries: int = Field(
        default=500,
        ge=0,
        description="Answers the in-process cache keeps (least recently used evicted first).",
    )
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Bytes the in-process cache may hold (bodies, keys and about 512 bytes per "
        "answer); least recently used evicted first. 64 MiB leaves a 512 MiB instance room for "
        "its queries.",
    )
    cache_settle_seconds: float = Field(
        default=3600,
        ge=0,
        description="A window whose end lies more than this before the request is settled.",
    )
    cache_settled_ttl_seconds: float = Field(
        default=86_400, ge=0, description="How long a settled window's answer is reused; 0: never."
    )
    cache_recent_ttl_seconds: float = Field(
        default=60,
        ge=0,
        description="How long any other answer is reused (and a pain-point answer that fell back "
        "to the local classifier); 0: never.",
    )
    cache_timeout_seconds: float = Field(
        default=0.25,
        gt=0,
        description="The longest one Redis call may take (connecting included) before the "
        "request goes on without the cache.",
    )
    cache_retry_seconds: float = Field(
        default=10,
        gt=0,
        description="After a Redis failure, how long requests skip Redis before trying it again.",
    )
    cache_label_ttl_seconds: int = Field(
        default=30 * 86_400,
        ge=1,
        description="How long an LLM classification of a text is kept in Redis for every instance.",
    )
    cache_signing_key: SecretStr | None = Field(
        default=None,
        description="With CACHE_URL: a secret every instance shares, of 16 characters or more. "
        "Every value written to Redis then carries an HMAC-SHA256 tag over its key and content, "
        "and a value whose tag fails is a miss. Set it whenever others can write to that Redis.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    google_cloud_project: str | None = Field(
        default=None,
        description="The Google Cloud project id: each request's log lines then carry its trace "
        "in the fields Cloud Logging groups them by (logging.googleapis.com/trace and spanId).",
    )
    metrics_enabled: bool = Field(
        default=False,
        description="Serve Prometheus metrics at GET /metrics (request durations by route, "
        "cache outcomes, pool use, refusals, LLM calls, statement timeouts).",
    )

    @field_validator("report_timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if value not in iana_zones():
            raise ValueError(f"REPORT_TIMEZONE must be an IANA time zone name, not {value!r}")
        return value

    @field_validator("cache_signing_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SIGNING_KEY_CHARS:
            raise ValueError(
                f"CACHE_SIGNING_KEY must be at least {MIN_SIGNING_KEY_CHARS} characters "
                "(openssl rand -base64 32 makes one)"
            )
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return [_origin(entry) for entry in value]


_DEFAULT_PORTS = {"http": 80, "https": 443}
_ORIGIN_FORM = "an origin is scheme://host[:port] with no path and no trailing slash"


def _origin(entry: str) -> str:
    """Return `entry` as the origin a browser sends, or refuse what no browser ever sends."""
    # CORSMiddleware compares the Origin header with each entry as a string: an entry no browser
    # sends (a path, a trailing slash) would be accepted here and never match there.
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and (parts.username is not None or parts.password is not None):
        raise ValueError(f"CORS_ORIGINS: an entry holds a user or password; {_ORIGIN_FORM}")
    if (
        parts is None
        or parts.scheme.lower() not in _DEFAULT_PORTS
        or not parts.hostname
        or parts.path
        or entry.endswith(("?", "#"))
        or parts.query
        or parts.fragment
        or any(character.isspace() for character in entry)
    ):
        raise ValueError(f"CORS_ORIGINS: {entry!r} is not an origin; {_ORIGIN_FORM}")
    # Browsers send the scheme and host in lower case and leave out a default port.
    scheme = parts.scheme.lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment on first use."""
    return Settings()
