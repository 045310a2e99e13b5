"""Answers and LLM classifications in a Redis every instance shares, never failing a request."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Literal, TypeVar

from opentelemetry.util.types import Attributes
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from backend.app import telemetry
from backend.app.breaker import CircuitBreaker
from backend.app.cache.answers import MAX_BODY_BYTES, MAX_STORED_BYTES, CachedAnswer
from backend.app.cache.signing import TAG_BYTES, Signer

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

    Nothing read from it is trusted: with a `signer` (CACHE_SIGNING_KEY) every value carries a
    tag over its key and content, and one whose tag fails is a miss; values are read only up to
    the longest the service writes; a label keeps locally only the TTL it has left in Redis.
    """

    trusted = False
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        timeout: float,
        retry_after: float,
        label_ttl: int,
        labels: Iterable[int],
        signer: Signer | None = None,
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
        self._signer = signer
        tag = TAG_BYTES if signer is not None else 0
        # The last byte offset read of a value: one past the longest the service writes, so that
        # a longer value is seen for what it is without being read whole.
        self._answer_end = tag + MAX_STORED_BYTES
        self._label_end = tag + max(map(len, self._known_labels), default=0)
        self._forgery_told = False
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

    def _sealed(self, name: str, content: bytes) -> bytes:
        """Return `content` as it is stored under the key `name`: tagged, with a signer."""
        return content if self._signer is None else self._signer.sign(name, content)

    def _opened(self, name: str, value: object) -> bytes | None:
        """Return the content of a value read from the key `name`, or None (a miss)."""
        if not isinstance(value, bytes) or not value:
            return None  # absent (GETRANGE reads nothing), or an error in its place
        if self._signer is None:
            return value
        content = self._signer.verify(name, value)
        if content is None and not self._forgery_told:
            # Once: after a change of key every value fails until it is written again.
            self._forgery_told = True
            logger.warning(
                "cache: a value in Redis failed its CACHE_SIGNING_KEY tag (unsigned, signed "
                "with another key, or forged) and is read as a miss; later ones are not logged"
            )
        return content

    async def get(self, key: str) -> CachedAnswer | None:
        """Return the answer stored under `key`, or None (absent, unreadable or Redis away)."""
        name = f"{self._answers}:{key}"
        data = await self._call("read", lambda: self._redis.getrange(name, 0, self._answer_end))
        content = self._opened(name, data)
        return CachedAnswer.decode(content) if content is not None else None

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer` with its TTL set in Redis, so that Redis drops it when it expires."""
        if len(answer.body) > MAX_BODY_BYTES:
            return  # no reader would take it
        milliseconds = max(1, math.ceil(answer.ttl * 1000))
        name = f"{self._answers}:{key}"
        value = self._sealed(name, answer.encode())
        await self._call("write", lambda: self._redis.set(name, value, px=milliseconds))

    def _label_key(self, classifier: str, text: str) -> str:
        return f"{self._labels}:{classifier}:{_digest(text)}"

    async def get_labels(
        self, classifier: str, texts: Sequence[str]
    ) -> dict[str, tuple[int, float]]:
        """Return the labels `classifier` gave any of `texts` on any instance, each with the
        seconds it has left in Redis (at most CACHE_LABEL_TTL_SECONDS)."""
        if not texts:
            return {}
        keys = [self._label_key(classifier, text) for text in texts]

        async def read() -> list[object]:
            pipeline = self._redis.pipeline(transaction=False)
            for key in keys:
                pipeline.getrange(key, 0, self._label_end)
                pipeline.pttl(key)
            # A key of another type is an error in its place, not a failed read.
            results: list[object] = await pipeline.execute(raise_on_error=False)
            return results

        attributes: Attributes = {"heritage.cache.store": self.name, "heritage.texts": len(texts)}
        with telemetry.span("cache read labels", attributes) as traced:
            results = await self._call("read", read) or []
            found: dict[str, tuple[int, float]] = {}
            for text, key, value, left in zip(
                texts, keys, results[::2], results[1::2], strict=False
            ):
                label = self._opened(key, value) or b""
                # Only a cluster id this service knows, with a TTL as it writes them (a key
                # without one is -1, one gone since it was read -2); anything else is no label.
                if label in self._known_labels and isinstance(left, int) and left > 0:
                    found[text] = (int(label), min(left / 1000, self._label_ttl))
            traced.set_attribute("heritage.found", len(found))
        return found

    async def put_labels(self, classifier: str, labels: Mapping[str, int]) -> None:
        """Share `classifier`'s labels for these texts with every instance."""
        if not labels:
            return

        async def write() -> object:
            pipeline = self._redis.pipeline(transaction=False)
            for text, label in labels.items():
                name = self._label_key(classifier, text)
                value = self._sealed(name, str(label).encode())
                pipeline.set(name, value, ex=self._label_ttl)
            return await pipeline.execute()

        await self._call("write", write)

    async def close(self) -> None:
        """Close the connections to Redis."""
        await self._redis.aclose()
