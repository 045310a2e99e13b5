"""Answers and LLM classifications in a Redis every instance shares, never failing a request."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Literal, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from backend.app.breaker import CircuitBreaker
from backend.app.cache.answers import MAX_BODY_BYTES, MAX_STORED_BYTES, CachedAnswer

logger = logging.getLogger(__name__)

T = TypeVar("T")

PREFIX = "heritage-analytics"
Kind = Literal["read", "write"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


class RedisStore:
    """An AnswerStore and a shared label store in Redis; an unreachable or slow Redis is skipped.

    Every call is bounded by `timeout`, connecting included. Reads and writes have a circuit
    breaker each: a Redis that cannot be reached (refused, reset, too slow) opens both, so that
    calls skip it for `retry_after` seconds (then one call probes it) and a dead Redis costs at
    most one timeout per request and a warning per `retry_after`. A Redis that answers but refuses
    writes (full at maxmemory with noeviction, or a read-only replica) opens the write breaker
    only: the answers it holds are still read.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        timeout: float,
        retry_after: float,
        label_ttl: int,
        labels: Iterable[int],
    ) -> None:
        # No retries inside the client: each would add a timeout to the request's wait.
        self._redis = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._answers = f"{PREFIX}:{namespace}:answer"
        self._labels = f"{PREFIX}:labels"
        self._timeout = timeout
        self._label_ttl = label_ttl
        # The labels a classifier may give (the cluster ids), as Redis returns them.
        self._known_labels = frozenset(str(label).encode() for label in labels)
        self._breakers: dict[Kind, CircuitBreaker] = {
            "read": CircuitBreaker(failures=1, cooldown=retry_after),
            "write": CircuitBreaker(failures=1, cooldown=retry_after),
        }

    async def _call(self, kind: Kind, operation: Callable[[], Awaitable[T]]) -> T | None:
        """Return the operation's result, or None when Redis is skipped, fails or is too slow."""
        breaker = self._breakers[kind]
        if not breaker.allow():
            return None
        try:
            async with asyncio.timeout(self._timeout):
                result = await operation()
        except ResponseError as error:
            # Redis answered, refusing this command. A refused read is one unreadable key (a
            # miss); refused writes (OOM, READONLY) are all refused alike: stop writing a while.
            if kind == "write":
                breaker.failed()
                self._warn(kind, error, "writing nothing")
            else:
                breaker.succeeded()
            return None
        except (RedisError, OSError, TimeoutError) as error:
            # Redis cannot be reached: neither reads nor writes will get through.
            for each in self._breakers.values():
                each.failed()
            self._warn(kind, error, "answering without it")
            return None
        except BaseException:
            breaker.abandoned()
            raise
        breaker.succeeded()
        return result

    def _warn(self, kind: Kind, error: Exception, meanwhile: str) -> None:
        # The type only: a message could hold the URL and its password.
        logger.warning(
            "cache: Redis %s failed (%s); %s for %g s",
            kind,
            type(error).__name__,
            meanwhile,
            self._breakers[kind].cooldown,
        )

    async def get(self, key: str) -> CachedAnswer | None:
        """Return the answer stored under `key`, or None (absent, unreadable or Redis away)."""
        # One byte past the longest answer the service writes, so that a longer value is seen
        # for what it is without being read whole.
        name = f"{self._answers}:{key}"
        data = await self._call("read", lambda: self._redis.getrange(name, 0, MAX_STORED_BYTES))
        return CachedAnswer.decode(data) if isinstance(data, bytes) else None

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer` with its TTL set in Redis, so that Redis drops it when it expires."""
        if len(answer.body) > MAX_BODY_BYTES:
            return  # no reader would take it
        milliseconds = max(1, math.ceil(answer.ttl * 1000))
        await self._call(
            "write",
            lambda: self._redis.set(f"{self._answers}:{key}", answer.encode(), px=milliseconds),
        )

    def _label_key(self, classifier: str, text: str) -> str:
        return f"{self._labels}:{classifier}:{_digest(text)}"

    async def get_labels(self, classifier: str, texts: Sequence[str]) -> dict[str, int]:
        """Return the labels `classifier` gave any of `texts` on any instance."""
        if not texts:
            return {}
        keys = [self._label_key(classifier, text) for text in texts]
        values = await self._call("read", lambda: self._redis.mget(keys))
        found: dict[str, int] = {}
        for text, value in zip(texts, values or [], strict=False):
            # Only a cluster id this service knows; anything else is no label.
            if isinstance(value, bytes) and value in self._known_labels:
                found[text] = int(value)
        return found

    async def put_labels(self, classifier: str, labels: Mapping[str, int]) -> None:
        """Share `classifier`'s labels for these texts with every instance."""
        if not labels:
            return

        async def write() -> object:
            pipeline = self._redis.pipeline(transaction=False)
            for text, label in labels.items():
                pipeline.set(self._label_key(classifier, text), label, ex=self._label_ttl)
            return await pipeline.execute()

        await self._call("write", write)

    async def close(self) -> None:
        """Close the connections to Redis."""
        await self._redis.aclose()
