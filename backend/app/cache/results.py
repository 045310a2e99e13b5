"""Reuse of whole answers: the TTL policy, the key, and one computation per key at a time."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from backend.app import telemetry
from backend.app.cache.answers import AnswerStore, CachedAnswer, Clock, reused

logger = logging.getLogger(__name__)

# How far ahead of this instance's clock another instance's may run.
CLOCK_SKEW_SECONDS = 60.0


@dataclass(frozen=True)
class Computed:
    """A freshly rendered body, and whether any part of it fell back to a degraded answer."""

    body: bytes
    fell_back: bool = False


class Outcome(StrEnum):
    """How a request got its answer: reused, computed for it, or shared with an identical one's."""

    HIT = "hit"
    MISS = "miss"
    SHARED = "shared"


@dataclass(frozen=True)
class Served:
    """An answer, and how the request got it."""

    answer: CachedAnswer
    outcome: Outcome


@dataclass(frozen=True)
class CachePolicy:
    """How long an answer may be reused: long once its window has settled, briefly otherwise."""

    settle_seconds: float
    settled_ttl: float
    recent_ttl: float

    @property
    def enabled(self) -> bool:
        """Return whether any answer may be reused."""
        return self.settled_ttl > 0 or self.recent_ttl > 0

    @property
    def longest_ttl(self) -> float:
        """Return the longest reuse time any answer is given."""
        return max(self.settled_ttl, self.recent_ttl)

    def ttl(self, window_end: datetime, now: float) -> float:
        """Return the reuse time of an answer about a window ending at `window_end`."""
        settled = window_end.timestamp() < now - self.settle_seconds
        return self.settled_ttl if settled else self.recent_ttl


@dataclass
class _Flight:
    task: asyncio.Task[CachedAnswer]
    waiters: int = field(default=0)


class ResultCache:
    """Answers reused within their TTL from `store`; identical requests share one computation."""

    def __init__(self, store: AnswerStore, policy: CachePolicy, *, clock: Clock) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self._flights: dict[str, _Flight] = {}
        self._foreign_told = False
        # Answers by outcome since the start (GET /metrics).
        self.outcomes: Counter[Outcome] = Counter()

    @staticmethod
    def key(parts: Mapping[str, object]) -> str:
        """Return the key of an answer: a digest of everything that changes its body."""
        canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    async def answer(
        self,
        key: str,
        *,
        window_end: datetime,
        compute: Callable[[], Awaitable[Computed]],
        is_answer: Callable[[bytes], bool],
    ) -> Served:
        """Return a fresh stored answer for `key`, or compute it (once, however many ask).

        `is_answer` tells whether a body is one `compute` could have given; a body from a store
        others write to is served only if it is.
        """
        ttl = self.policy.ttl(window_end, self.clock())
        if ttl <= 0:
            self.outcomes[Outcome.MISS] += 1
            computed = await compute()
            return Served(
                CachedAnswer(body=computed.body, stored_at=self.clock(), ttl=0), Outcome.MISS
            )
        with telemetry.span("cache read", {"heritage.cache.store": self.store.name}) as traced:
            stored = await self.store.get(key)
            if (
                stored is not None
                and self._plausible(stored)
                and stored.fresh(self.clock())
                and (self.store.trusted or self._checked(stored.body, is_answer))
            ):
                outcome, answer = Outcome.HIT, reused(stored)
            else:
                outcome, answer = (Outcome.SHARED if key in self._flights else Outcome.MISS), None
            traced.set_attribute("heritage.cache.outcome", outcome)
        self.outcomes[outcome] += 1
        if answer is not None:
            return Served(answer, outcome)
        flight = self._flights.get(key)
        if flight is None:
            flight = _Flight(asyncio.create_task(self._compute_and_store(key, ttl, compute)))
            self._flights[key] = flight
        flight.waiters += 1
        try:
            # Shielded: one waiter that goes away does not cancel the others' computation.
            return Served(await asyncio.shield(flight.task), outcome)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0:
                if self._flights.get(key) is flight:
                    del self._flights[key]
                # Nobody waits for it any more: stop it, and its SQL with it.
                flight.task.cancel()

    def _plausible(self, stored: CachedAnswer) -> bool:
        """Return whether this service could have stored `stored`: its TTL and its time."""
        # A shared store is read as warily as the database: a TTL longer than any this service
        # gives, or an answer stored in the future (beyond other instances' clock skew), is a miss.
        return (
            stored.ttl <= self.policy.longest_ttl
            and stored.stored_at <= self.clock() + CLOCK_SKEW_SECONDS
        )

    def _checked(self, body: bytes, is_answer: Callable[[bytes], bool]) -> bool:
        """Return whether a body read from a shared store is one this service would give."""
        if is_answer(body):
            return True
        if not self._foreign_told:
            # Once: a forger can write as many as they like.
            self._foreign_told = True
            logger.warning(
                "cache: an answer in Redis is not its endpoint's answer and is read as a miss; "
                "later ones are not logged"
            )
        return False

    def waiters(self) -> int:
        """Return how many requests wait on computations in flight now."""
        return sum(flight.waiters for flight in self._flights.values())

    async def _compute_and_store(
        self, key: str, ttl: float, compute: Callable[[], Awaitable[Computed]]
    ) -> CachedAnswer:
        computed = await compute()
        if computed.fell_back:
            # A degraded answer (the LLM was away) is not remembered for a whole day.
            ttl = min(ttl, self.policy.recent_ttl)
        answer = CachedAnswer(body=computed.body, stored_at=self.clock(), ttl=ttl)
        if ttl > 0:
            await self.store.put(key, answer)
        return answer

    async def close(self) -> None:
        """Release the store."""
        await self.store.close()
