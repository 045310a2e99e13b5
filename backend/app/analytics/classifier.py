"""The pain-point classifier: cached local rules, optionally behind Claude, with fallback."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx2
from anthropic import AsyncAnthropic

from backend.app.analytics.breaker import CircuitBreaker
from backend.app.analytics.keyword_rules import KeywordClassifier
from backend.app.analytics.llm_classifier import PROMPT_VERSION, ClassificationError, LLMClassifier
from backend.app.settings import Settings

logger = logging.getLogger(__name__)


class Classifier(Protocol):
    """Anything that puts texts into the five clusters; `name` says which classifier it is."""

    name: str

    async def classify(self, texts: Sequence[str]) -> list[int]:
        """Return a cluster id (0-4) per text, or raise ClassificationError."""
        ...


class LabelStore(Protocol):
    """Labels shared by every instance (Redis), so that no instance asks the LLM again."""

    async def get_labels(self, classifier: str, texts: Sequence[str]) -> dict[str, int]:
        """Return the labels `classifier` gave any of `texts`."""
        ...

    async def put_labels(self, classifier: str, labels: Mapping[str, int]) -> None:
        """Share `classifier`'s labels."""
        ...


class LRUCache:
    """A bounded in-process map from (model, normalised text) to cluster, least recent evicted."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._items: OrderedDict[tuple[str, str], int] = OrderedDict()

    def get(self, key: tuple[str, str]) -> int | None:
        """Return the cached cluster for `key` and mark it recently used, or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple[str, str], value: int) -> None:
        """Remember `value` for `key`, evicting the least recently used entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Classification:
    """Cluster ids for a list of texts, and which classifier answered how many."""

    labels: list[int]
    classifier: str
    texts_by_classifier: dict[str, int]
    fallback_reason: str | None


@dataclass(frozen=True)
class LLMPolicy:
    """How much of a request may go to the LLM, and how."""

    batch_size: int
    max_concurrency: int
    max_texts_per_request: int
    deadline_seconds: float
    breaker: CircuitBreaker


class PainPointClassifier:
    """The local rules, optionally behind an LLM with a ceiling and fallback; answers cached."""

    def __init__(
        self,
        *,
        local: Classifier,
        cache: LRUCache,
        llm: Classifier | None = None,
        policy: LLMPolicy | None = None,
        shared: LabelStore | None = None,
    ) -> None:
        self.local = local
        self.cache = cache
        self.llm = llm
        self.policy = policy
        self.shared = shared

    @property
    def identity(self) -> str:
        """Name what answers: the local rules alone, or an LLM model and prompt before them."""
        if self.llm is None:
            return self.local.name
        return f"{self._shared_name(self.llm)}+{self.local.name}"

    async def classify(self, texts: Sequence[str]) -> Classification:
        """Classify `texts` (most frequent first): cache, then LLM up to the ceiling, then local."""
        labels: list[int | None] = [None] * len(texts)
        counts: Counter[str] = Counter()
        reason: str | None = None
        if self.llm is not None and self.policy is not None:
            reason = await self._classify_with_llm(self.llm, self.policy, texts, labels)
            counts[self.llm.name] = sum(label is not None for label in labels)
        rest = [i for i, label in enumerate(labels) if label is None]
        counts[self.local.name] = len(rest)
        # The local rules are cheap but not free over tens of thousands of texts: cache them too,
        # so that a repeated dashboard load classifies nothing again.
        uncached = self._from_cache(self.local.name, rest, texts, labels)
        fresh = await self.local.classify([texts[i] for i in uncached])
        self._remember(self.local.name, uncached, fresh, texts, labels)
        classifier = self.local.name
        if self.llm is not None and counts[self.llm.name] > 0:
            classifier = self.llm.name
        return Classification(
            labels=[label for label in labels if label is not None],
            classifier=classifier,
            texts_by_classifier=dict(counts),
            fallback_reason=reason,
        )

    def _from_cache(
        self, name: str, indices: Sequence[int], texts: Sequence[str], labels: list[int | None]
    ) -> list[int]:
        """Fill `labels` with `name`'s cached answers; return the indices it has none for."""
        missing = []
        for i in indices:
            cached = self.cache.get((name, texts[i]))
            if cached is None:
                missing.append(i)
            else:
                labels[i] = cached
        return missing

    def _remember(
        self,
        name: str,
        indices: Sequence[int],
        answers: Sequence[int],
        texts: Sequence[str],
        labels: list[int | None],
    ) -> None:
        """Record `name`'s answers for the texts at `indices` in `labels` and in the cache."""
        for i, label in zip(indices, answers, strict=True):
            labels[i] = label
            self.cache.put((name, texts[i]), label)

    @staticmethod
    def _shared_name(llm: Classifier) -> str:
        return f"{llm.name}:{PROMPT_VERSION}"

    async def _classify_with_llm(
        self,
        llm: Classifier,
        policy: LLMPolicy,
        texts: Sequence[str],
        labels: list[int | None],
    ) -> str | None:
        """Fill `labels` from the cache and the LLM; return why any text was left to the local."""
        uncached = self._from_cache(llm.name, range(len(texts)), texts, labels)
        # The ceiling counts calls' worth of texts: cached answers cost nothing.
        pending = uncached[: policy.max_texts_per_request]
        if self.shared is not None and pending:
            # Another instance may have paid the LLM for these texts already.
            shared = await self.shared.get_labels(
                self._shared_name(llm), [texts[i] for i in pending]
            )
            known = [i for i in pending if texts[i] in shared]
            self._remember(llm.name, known, [shared[texts[i]] for i in known], texts, labels)
            pending = [i for i in pending if texts[i] not in shared]
        batches = [
            pending[start : start + policy.batch_size]
            for start in range(0, len(pending), policy.batch_size)
        ]
        if not batches:
            return None
        breaker = policy.breaker
        if breaker.is_open:
            # The LLM keeps failing: give it a rest, and answer at once with the local rules.
            logger.warning("pain points skip the LLM: circuit breaker open")
            return breaker.reason()
        gate = asyncio.Semaphore(policy.max_concurrency)

        async def run(batch: list[int]) -> list[int]:
            async with gate:
                # Batches still queued when the breaker opens never call the LLM.
                if not breaker.allow():
                    raise ClassificationError(breaker.reason())
                try:
                    answer = await llm.classify([texts[i] for i in batch])
                except Exception:
                    breaker.failed()
                    raise
                except BaseException:
                    # A cancellation (deadline, client gone) is no verdict on the LLM.
                    breaker.abandoned()
                    raise
                breaker.succeeded()
                return answer

        tasks = [asyncio.create_task(run(batch)) for batch in batches]
        done, late = await asyncio.wait(tasks, timeout=policy.deadline_seconds)
        for task in late:
            task.cancel()
        # Wait for the cancellations, so that no call outlives the request.
        await asyncio.gather(*late, return_exceptions=True)
        reason = "LLM deadline passed" if late else None
        fresh: dict[str, int] = {}
        for batch, task in zip(batches, tasks, strict=True):
            if task not in done:
                continue
            error = task.exception()
            if error is not None:
                # The local classifier answers this batch; the request still succeeds.
                if not isinstance(error, ClassificationError):
                    logger.error("LLM batch failed unexpectedly: %s", type(error).__name__)
                reason = reason or (
                    str(error) if isinstance(error, ClassificationError) else "LLM error"
                )
                continue
            self._remember(llm.name, batch, task.result(), texts, labels)
            fresh.update(zip((texts[i] for i in batch), task.result(), strict=True))
        if self.shared is not None:
            await self.shared.put_labels(self._shared_name(llm), fresh)
        if reason:
            logger.warning("pain points fell back to the local classifier: %s", reason)
        return reason


def build_classifier(
    settings: Settings,
    *,
    http_client: httpx2.AsyncClient | None = None,
    shared: LabelStore | None = None,
) -> tuple[PainPointClassifier, AsyncAnthropic | None]:
    """Return the classifier the settings ask for, and the Anthropic client to close, if any."""
    local = KeywordClassifier()
    cache = LRUCache(settings.classifier_cache_size)
    if settings.anthropic_api_key is None:
        return PainPointClassifier(local=local, cache=cache), None
    client = AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        http_client=http_client,
    )
    llm = LLMClassifier(
        client, model=settings.llm_model, max_text_chars=settings.llm_max_text_chars
    )
    policy = LLMPolicy(
        batch_size=settings.llm_batch_size,
        max_concurrency=settings.llm_max_concurrency,
        max_texts_per_request=settings.llm_max_texts_per_request,
        deadline_seconds=settings.llm_deadline_seconds,
        breaker=CircuitBreaker(
            failures=settings.llm_breaker_failures, cooldown=settings.llm_breaker_cooldown_seconds
        ),
    )
    classifier = PainPointClassifier(
        local=local, cache=cache, llm=llm, policy=policy, shared=shared
    )
    return classifier, client
