"""What pain points keep of a window's texts as they stream past: counts and a few examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from backend.app.db.text_queries import QueryTextRow
from backend.app.models.pain_points import PAIN_POINT_CLUSTERS

EXAMPLES_PER_CLUSTER = 3


class QueryText(QueryTextRow):
    """One distinct normalised query of the window, as SQL returns it.

    As a tuple it sorts by frequency, then recency, then text: the order in which texts go to
    the LLM.
    """

    __slots__ = ()

    def outranks(self, other: QueryText) -> bool:
        """Return whether this text comes before `other` as an example.

        Most frequent first; ties go to the most recent, then to the spelling first in byte
        order, so that the order is total and the same on every run.
        """
        if (self.queries, self.latest) != (other.queries, other.latest):
            return (self.queries, self.latest) > (other.queries, other.latest)
        return self.spelling < other.spelling


class Tally:
    """Counts per cluster and classifier, and each cluster's best examples; memory stays small.

    Only `EXAMPLES_PER_CLUSTER` texts per cluster are kept, however many stream past.
    """

    def __init__(self, classifiers: Iterable[str]) -> None:
        self.counts = [0] * len(PAIN_POINT_CLUSTERS)
        # Every classifier in play is named, with 0 when it labelled nothing.
        self.texts_by_classifier: Counter[str] = Counter(dict.fromkeys(classifiers, 0))
        self._best: list[list[QueryText]] = [[] for _ in PAIN_POINT_CLUSTERS]

    @property
    def texts(self) -> int:
        """Return how many distinct texts were counted."""
        return sum(self.texts_by_classifier.values())

    def add(self, row: Sequence[Any], cluster: int, classifier: str) -> None:
        """Count a QueryText-shaped row in `cluster`, as labelled by `classifier`."""
        self.count(cluster, row[0], 1, classifier=classifier)
        best = self._best[cluster]
        # The common case over distinct texts, decided without building a QueryText: fewer
        # queries, or as many and older, than every example kept.
        if len(best) == EXAMPLES_PER_CLUSTER and (row[0], row[1]) < (
            best[-1].queries,
            best[-1].latest,
        ):
            return
        self.offer(QueryText(*row), cluster)

    def count(self, cluster: int, queries: int, texts: int, *, classifier: str) -> None:
        """Count `queries` queries over `texts` distinct texts in `cluster`."""
        self.counts[cluster] += queries
        self.texts_by_classifier[classifier] += texts

    def offer(self, text: QueryText, cluster: int) -> None:
        """Keep `text` among the examples of `cluster` if it outranks one of them."""
        best = self._best[cluster]
        if len(best) == EXAMPLES_PER_CLUSTER:
            if not text.outranks(best[-1]):
                return
            best.pop()
        position = next((i for i, kept in enumerate(best) if text.outranks(kept)), len(best))
        best.insert(position, text)

    def examples(self, cluster: int) -> list[str]:
        """Return the examples of `cluster`, best first, as trimmed inputs."""
        return [text.spelling.strip() for text in self._best[cluster]]
