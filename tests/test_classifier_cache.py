"""The classification cache: bounded, least recently used first out, used for local answers too."""

from __future__ import annotations

from collections.abc import Sequence

from backend.app.analytics.classifier import LRUCache, PainPointClassifier
from backend.app.analytics.keyword_rules import KeywordClassifier


class CountingRules(KeywordClassifier):
    """The real local rules, counting how many texts they were asked to classify."""

    def __init__(self) -> None:
        self.seen = 0

    async def classify(self, texts: Sequence[str]) -> list[int]:
        self.seen += len(texts)
        return await super().classify(texts)


def test_lru_evicts_the_least_recently_used() -> None:
    cache = LRUCache(2)
    cache.put(("m", "a"), 1)
    cache.put(("m", "b"), 2)
    assert cache.get(("m", "a")) == 1  # "a" is now the most recent
    cache.put(("m", "c"), 3)
    assert cache.get(("m", "b")) is None
    assert (cache.get(("m", "a")), cache.get(("m", "c"))) == (1, 3)
    assert len(cache) == 2


async def test_local_answers_are_cached_across_requests() -> None:
    rules = CountingRules()
    classifier = PainPointClassifier(local=rules, cache=LRUCache(100))
    texts = ["do you have spx3200 in stock?", "where is my order?"]
    first = await classifier.classify(texts)
    second = await classifier.classify([*texts, "hi"])
    assert first.labels == [3, 0]
    assert second.labels == [3, 0, 0]
    # Two texts the first time, only the new one the second time.
    assert rules.seen == 3
    assert second.texts_by_classifier == {"keyword": 3}
