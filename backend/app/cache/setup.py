"""Build the result cache the settings ask for: in the process, or shared in Redis."""

from __future__ import annotations

from collections.abc import Iterable

from backend.app.cache.answers import Clock, MemoryStore
from backend.app.cache.redis_store import RedisStore
from backend.app.cache.results import CachePolicy, ResultCache
from backend.app.cache.signing import Signer
from backend.app.settings import Settings

# Raise when an answer's meaning changes without its shape (a corrected definition, say).
# 2: filters echo local instants; the volume's mean and lowest day count elapsed, complete days.
ANSWERS_VERSION = 2


def build_cache(
    settings: Settings, *, clock: Clock, schema: str, labels: Iterable[int]
) -> tuple[ResultCache, RedisStore | None]:
    """Return the result cache, and the Redis store when CACHE_URL names one."""
    policy = CachePolicy(
        settle_seconds=settings.cache_settle_seconds,
        settled_ttl=settings.cache_settled_ttl_seconds,
        recent_ttl=settings.cache_recent_ttl_seconds,
    )
    if settings.cache_url is None:
        memory = MemoryStore(settings.cache_max_entries, settings.cache_max_bytes)
        return ResultCache(memory, policy, clock=clock), None
    # Versioned by `schema`, a digest of the response shapes: a deploy that changes one never
    # reads the old answers. `labels` are those a classifier may give, the only ones read back.
    key = settings.cache_signing_key
    redis = RedisStore(
        settings.cache_url.get_secret_value(),
        namespace=f"v{ANSWERS_VERSION}-{schema}",
        timeout=settings.cache_timeout_seconds,
        retry_after=settings.cache_retry_seconds,
        label_ttl=settings.cache_label_ttl_seconds,
        labels=labels,
        signer=Signer(key.get_secret_value().encode()) if key is not None else None,
    )
    return ResultCache(redis, policy, clock=clock), redis
