"""The pain-point classifier: local rules over every text, optionally behind Claude."""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import httpx2
from cachetools import TLRUCache
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import Attributes

from backend.app import telemetry
from backend.app.analytics.pain_points.breaker import CircuitBreaker
from backend.app.analytics.pain_points.budget import ProcessingBudget
from backend.app.analytics.pain_points.keyword_rules import KeywordClassifier
from backend.app.analytics.pain_points.label_workers import Labelling, LabelWorkers
from backend.app.analytics.pain_points.llm_prompt import PROMPT_VERSION, ClassificationError
from backend.app.analytics.pain_points.pain_tally import QueryText, Tally
from backend.app.analytics.pain_points.text_groups import (
    HashCollisionError,
    RowGroups,
    tally_groups,
)
from backend.app.analytics.pain_points.text_keys import BatchKeys, Labelled
from backend.app.cpus import label_workers
from backend.app.db.text_source import TextSource
from backend.app.settings import Settings

if TYPE_CHECKING:
    # Types only: the SDK is loaded where an API key asks for Claude (build_classifier).
    from anthropic import AsyncAnthropic

logger = logging.getLogger(__name__)
# How long one window's texts may take to label and group, database time aside (the setting's
# default, for classifiers built outside the settings, as tests build them).
DEFAULT_PROCESSING_SECONDS = Settings.model_fields["pain_points_processing_seconds"].default
# The window's first rows read to choose a path (one batch: a short window that repeats its
# texts wastes little), and the share of distinct inputs among them below which SQL groups the
# texts first instead: real chat logs have over 0.9, templated ones under 0.3.
DISTINCT_SAMPLE_ROWS = 2_000
RAW_PATH_MIN_DISTINCT = 0.5


class Classifier(Protocol):
    """Anything that puts a batch of texts into the five clusters, e.g. an LLM."""

    name: str

    async def classify(self, texts: Sequence[str]) -> list[int]:
        """Return a cluster id (0-4) per text, or raise ClassificationError."""
        ...


class LocalClassifier(Protocol):
    """A classifier cheap enough to label every text of a window, one at a time."""

    name: str

    def label(self, text: str) -> int:
        """Return the cluster id (0-4) of one text."""
        ...


class LabelStore(Protocol):
    """Labels shared by every instance (Redis), so that no instance asks the LLM again."""

    async def get_labels(
        self, classifier: str, texts: Sequence[str]
    ) -> dict[str, tuple[int, float]]:
        """Return the labels `classifier` gave any of `texts`, each with its seconds left."""
        ...

    async def put_labels(self, classifier: str, labels: Mapping[str, int]) -> None:
        """Share `classifier`'s labels."""
        ...


# The LLM's labels remembered in the process, by (model, normalised text): each cluster id and
# how many seconds it is kept (a label read from Redis, the TTL it had left there; the LLM's own
# answers, for ever), least recently used out first.
LabelCache: TypeAlias = TLRUCache[tuple[str, str], tuple[int, float]]


def label_cache(size: int, clock: Callable[[], float] = time.time) -> LabelCache:
    """Return an empty label cache of `size` labels, whose TTLs run on `clock`."""
    return TLRUCache(maxsize=size, ttu=lambda _key, label, now: now + label[1], timer=clock)


# Rows of the per-text relation, shaped as QueryText, in batches.
TextBatches: TypeAlias = AsyncIterator[Sequence[Sequence[Any]]]


@dataclass(frozen=True)
class Classification:
    """Every text of a window counted in its cluster, and who labelled them."""

    tally: Tally
    classifier: str
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
    """The local rules, optionally behind an LLM with a ceiling and fallback.

    Texts stream past once. The local rules alone keep a few numbers per row and group them at
    the end (or, where texts repeat, count SQL's groups as they arrive); with an LLM, only counts
    and a few examples are kept: its cached labels count at once, and the most frequent uncached
    texts (at most the request's ceiling) wait for it until the stream ends.
    """

    def __init__(
        self,
        *,
        local: LocalClassifier,
        cache: LabelCache,
        llm: Classifier | None = None,
        policy: LLMPolicy | None = None,
        shared: LabelStore | None = None,
        workers: LabelWorkers | None = None,
        processing_seconds: float = DEFAULT_PROCESSING_SECONDS,
    ) -> None:
        self.local = local
        self.cache = cache
        self.llm = llm
        self.policy = policy
        self.shared = shared
        self.workers = workers or LabelWorkers(0)
        self.processing_seconds = processing_seconds
        # Batches sent to the LLM, and those that failed, since the start (GET /metrics).
        self.llm_calls = 0
        self.llm_failures = 0

    async def start(self) -> None:
        """Start the worker processes that label texts beside the service."""
        await self.workers.start()

    async def close(self) -> None:
        """Stop the worker processes."""
        await self.workers.close()

    @property
    def identity(self) -> str:
        """Name what answers: the local rules alone, or an LLM model and prompt before them."""
        if self.llm is None:
            return self.local.name
        return f"{self._shared_name(self.llm)}+{self.local.name}"

    async def classify(self, source: TextSource) -> Classification:
        """Count every text of `source` in its cluster, the LLM's labels first where allowed.

        The local rules alone read every row (the fast path) where texts rarely repeat, as in
        real chat logs; where they repeat, as in templated logs, SQL groups them first, and only
        the distinct texts reach Python. The window's first rows decide.
        """
        with telemetry.span("classify pain points") as traced, telemetry.phase(telemetry.CLASSIFY):
            if self.llm is None or self.policy is None:
                result = await self._classify_raw(source)
            else:
                result = await self._classify_with_llm(self.llm, self.policy, source.grouped())
            # Counts and names only: never a text.
            traced.set_attributes(
                {
                    "heritage.classifier": result.classifier,
                    "heritage.texts": result.tally.texts,
                    "heritage.queries": sum(result.tally.counts),
                    "heritage.fell_back": result.fallback_reason is not None,
                }
            )
        return result

    async def _classify_raw(self, source: TextSource) -> Classification:
        """Label every row's text with the local rules as it streams past; group them after.

        A hash shared by two texts is caught where it could change the answer, and then the
        window is counted again the exact way, grouped by SQL.
        """
        name = self.local.name
        budget = ProcessingBudget(self.processing_seconds)
        rows = RowGroups()
        batches = BatchKeys()
        workers = self.workers
        # The texts of the window's first rows: whether texts repeat.
        sampled: set[str] = set()
        read = 0
        repeating = False
        # The workers label one batch while this process reads and prepares the next.
        pending: tuple[Labelled, Labelling] | None = None

        async def keep(batch: tuple[Labelled, Labelling]) -> None:
            rows.add(batches.keys(batch[0], await workers.labels(batch[1])))

        try:
            async with aclosing(source.raw()) as raw:
                async for batch in raw:
                    started = time.monotonic()
                    prepared = batches.prepare(batch)
                    if read < DISTINCT_SAMPLE_ROWS:
                        read += len(batch)
                        sampled.update(prepared.fresh, prepared.known)
                        repeating = read >= DISTINCT_SAMPLE_ROWS and (
                            len(sampled) < RAW_PATH_MIN_DISTINCT * read
                        )
                        if repeating:
                            break
                    previous, pending = pending, (prepared, workers.labelling(prepared.fresh))
                    if previous is not None:
                        await keep(previous)
                    budget.spend(time.monotonic() - started)
            started = time.monotonic()
            if pending is not None and not repeating:
                previous, pending = pending, None
                await keep(previous)
            budget.spend(time.monotonic() - started)
        finally:
            if pending is not None:
                pending[1].cancel()
        if repeating:
            # Texts repeat: SQL groups them, and each distinct one is labelled once.
            return await self.classify_grouped(source.grouped())
        started = time.monotonic()
        groups = rows.groups()
        budget.spend(time.monotonic() - started)
        try:
            tally = await tally_groups(source, groups, label=self.local.label, classifier=name)
        except HashCollisionError:
            logger.warning("two query texts share a hash: pain points counted the exact way")
            return await self.classify_grouped(source.grouped())
        return Classification(tally, name, fallback_reason=None)

    async def classify_grouped(self, batches: TextBatches) -> Classification:
        """Label every per-text row (grouped by SQL) with the local rules: the exact path."""
        label, name = self.local.label, self.local.name
        tally = Tally([name])
        async for batch in batches:
            for row in batch:
                tally.add(row, label(row[3]), name)
        return Classification(tally, name, fallback_reason=None)

    async def _classify_with_llm(
        self, llm: Classifier, policy: LLMPolicy, batches: TextBatches
    ) -> Classification:
        """Count cached LLM labels and local ones as texts stream past; ask the LLM at the end."""
        label, name = self.local.label, self.local.name
        tally = Tally([llm.name, name])
        # The most frequent uncached texts seen so far, at most the ceiling: a min-heap in
        # QueryText order, so the least of them is the one to give up for a more frequent one.
        waiting: list[QueryText] = []
        ceiling = policy.max_texts_per_request
        async for batch in batches:
            for row in batch:
                cached = self.cache.get((llm.name, row[2]))
                if cached is not None:
                    tally.add(row, cached[0], llm.name)
                    continue
                if ceiling:
                    text = QueryText(*row)
                    if len(waiting) < ceiling:
                        heapq.heappush(waiting, text)
                        continue
                    if text > waiting[0]:
                        row = heapq.heapreplace(waiting, text)
                tally.add(row, label(row[3]), name)
        # Most frequent first: the order the LLM's batches go in, and the first to answer.
        texts = sorted(waiting, reverse=True)
        labels, reason = await self._ask_llm(llm, policy, [text.text for text in texts])
        for text, llm_label in zip(texts, labels, strict=True):
            if llm_label is None:
                tally.add(text, label(text.spelling), name)
            else:
                tally.add(text, llm_label, llm.name)
        classifier = llm.name if tally.texts_by_classifier[llm.name] else name
        return Classification(tally, classifier, fallback_reason=reason)

    def _remember(self, llm: Classifier, labels: Mapping[str, tuple[int, float]]) -> None:
        for text, label in labels.items():
            self.cache[(llm.name, text)] = label

    @staticmethod
    def _shared_name(llm: Classifier) -> str:
        return f"{llm.name}:{PROMPT_VERSION}"

    async def _ask_llm(
        self, llm: Classifier, policy: LLMPolicy, texts: Sequence[str]
    ) -> tuple[list[int | None], str | None]:
        """Return the LLM's label per text (None where it gave none), and why any is missing."""
        labels: dict[str, int] = {}
        pending = list(texts)
        if self.shared is not None and pending:
            # Another instance may have paid the LLM for these texts already.
            shared = await self.shared.get_labels(self._shared_name(llm), pending)
            self._remember(llm, shared)
            labels = {text: cluster for text, (cluster, _) in shared.items()}
            pending = [text for text in pending if text not in labels]
        batches = [
            pending[start : start + policy.batch_size]
            for start in range(0, len(pending), policy.batch_size)
        ]
        # On the classification's span: how many texts and batches were left for the LLM.
        trace.get_current_span().set_attributes(
            {"heritage.llm.texts": len(pending), "heritage.llm.batches": len(batches)}
        )
        reason = await self._run_batches(llm, policy, batches, labels) if batches else None
        return [labels.get(text) for text in texts], reason

    async def _run_batches(
        self,
        llm: Classifier,
        policy: LLMPolicy,
        batches: Sequence[Sequence[str]],
        labels: dict[str, int],
    ) -> str | None:
        """Send `batches` to the LLM, adding its answers to `labels`; return why any failed."""
        breaker = policy.breaker
        if breaker.is_open:
            # The LLM keeps failing: give it a rest, and answer at once with the local rules.
            logger.warning("pain points skip the LLM: circuit breaker open")
            return breaker.reason()
        gate = asyncio.Semaphore(policy.max_concurrency)

        async def run(batch: Sequence[str]) -> list[int]:
            call: Attributes = {"gen_ai.request.model": llm.name, "heritage.texts": len(batch)}
            async with gate:
                # Batches still queued when the breaker opens never call the LLM.
                if not breaker.allow():
                    raise ClassificationError(breaker.reason())
                self.llm_calls += 1
                try:
                    with telemetry.span("llm call", call, kind=SpanKind.CLIENT):
                        answer = await llm.classify(batch)
                except Exception:
                    self.llm_failures += 1
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
            fresh.update(zip(batch, task.result(), strict=True))
        self._remember(llm, {text: (cluster, math.inf) for text, cluster in fresh.items()})
        labels.update(fresh)
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
    clock: Callable[[], float] = time.time,
) -> tuple[PainPointClassifier, AsyncAnthropic | None]:
    """Return the classifier the settings ask for, and the Anthropic client to close, if any.

    `clock` (seconds) times the labels read from `shared`, as the answers' cache times answers.
    """
    local = KeywordClassifier()
    cache = label_cache(settings.classifier_cache_size, clock)
    if settings.anthropic_api_key is None:
        workers = LabelWorkers(label_workers(settings.pain_points_workers))
        budget = settings.pain_points_processing_seconds
        classifier = PainPointClassifier(
            local=local, cache=cache, workers=workers, processing_seconds=budget
        )
        return classifier, None
    # Loaded only here: without an API key, the service never holds the SDK's 70 MB.
    from anthropic import AsyncAnthropic

    from backend.app.analytics.pain_points.llm_classifier import LLMClassifier

    client = AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        http_client=http_client,
        # No spans of the SDK's own (whatever ANTHROPIC_OPEN_TELEMETRY* say, they could carry the
        # texts), and no trace context sent to the API: the service's "llm call" span is the one.
        open_telemetry={"traces": False, "propagation": False},
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
    # With an LLM, the texts are grouped by SQL and labelled once each, in this process.
    classifier = PainPointClassifier(
        local=local, cache=cache, llm=llm, policy=policy, shared=shared
    )
    return classifier, client
