"""Prometheus metrics of the requests and of what serves them, for GET /metrics.

The parts count for themselves (the cache its outcomes, admission its refusals, the classifier
its LLM calls) in plain integers, which cost nothing when nobody reads them; they are read here
only when /metrics is scraped. Every label is a route template or a fixed name: never a value of
a request or of the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from starlette.datastructures import State

from backend.app.analytics.pain_points.classifier import PainPointClassifier
from backend.app.cache.results import Outcome, ResultCache
from backend.app.db.client import Database

PREFIX = "heritage"
# Up to a minute: a year of pain points under compare takes tens of seconds.
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# The label of a request no route matched (its path is the client's, and unbounded).
UNMATCHED = "unmatched"


class Metrics:
    """The app's registry: the request histogram, and what the lifespan's services count."""

    def __init__(self, state: State) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "Time from a request's arrival to its answer's end, by route template and status.",
            ["route", "status"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Services(state))
        ProcessCollector(registry=self.registry)

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Count one request of `route` (a template) answered with `status` in `seconds`."""
        self.request_seconds.labels(route=route, status=str(status)).observe(seconds)


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


class _Services:
    """A collector reading the counts of the services the lifespan started."""

    def __init__(self, state: State) -> None:
        self._state = state

    def collect(self) -> Iterable[Metric]:
        """Yield the services' metrics; none before the lifespan has started them."""
        database: Database | None = getattr(self._state, "database", None)
        cache: ResultCache | None = getattr(self._state, "cache", None)
        classifier: PainPointClassifier | None = getattr(self._state, "classifier", None)
        if cache is not None:
            answers = CounterMetricFamily(
                f"{PREFIX}_cache_answers",
                "Analytics answers by how they were had: hit (reused), miss (computed) or "
                "shared (an identical request's computation).",
                labels=["outcome"],
            )
            for outcome in Outcome:
                answers.add_metric([outcome.value], cache.outcomes[outcome])
            yield answers
        if database is not None:
            yield from _database(database)
        if classifier is not None:
            yield from _llm(classifier)


def _database(database: Database) -> Iterable[Metric]:
    yield _gauge(
        "db_pool_connections_in_use",
        "Pooled database connections checked out now.",
        database.connections_in_use(),
    )
    refusals = CounterMetricFamily(
        f"{PREFIX}_db_admission_refusals",
        "Requests refused with a 503 because every connection (or text stream) stayed busy.",
        labels=["gate"],
    )
    refusals.add_metric(["connections"], database.admission.refusals)
    refusals.add_metric(["text_streams"], database.text_streams.refusals)
    refusals.add_metric(["long_text_streams"], database.long_text_streams.refusals)
    yield refusals
    yield _gauge(
        "text_streams_running",
        "Pain-point text streams over windows of up to 31 local dates being read and classified "
        "now.",
        database.text_streams.in_use,
    )
    yield _gauge(
        "long_text_streams_running",
        "Pain-point text streams over longer windows being read and classified now.",
        database.long_text_streams.in_use,
    )
    yield _counter(
        "db_statement_timeouts",
        "Statements that ran past DB_STATEMENT_TIMEOUT_MS.",
        database.statement_timeouts,
    )


def _llm(classifier: PainPointClassifier) -> Iterable[Metric]:
    yield _counter("llm_calls", "Batches of texts sent to the LLM.", classifier.llm_calls)
    yield _counter(
        "llm_failures",
        "Batches the LLM failed to classify (the local rules answered them).",
        classifier.llm_failures,
    )
    policy = classifier.policy
    yield _gauge(
        "llm_breaker_open",
        "1 while the LLM's circuit breaker is open (the LLM is left alone), else 0.",
        int(policy is not None and policy.breaker.is_open),
    )
