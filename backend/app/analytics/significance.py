"""The tests behind a change: is the difference between two windows more than noise?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import ModuleType

# A false discovery rate of 5 % over one endpoint's changes (Benjamini-Hochberg).
FALSE_DISCOVERY_RATE = 0.05


class TestKind(StrEnum):
    """Which test a change's p-value comes from."""

    POISSON = "poisson"
    TWO_PROPORTIONS = "two_proportions"
    WELCH = "welch"


@dataclass(frozen=True)
class Sample:
    """One window's units of a mean, as SQL summed them: how many, their mean and variance."""

    units: int
    mean: float | None
    # With n - 1; None under 2 units.
    variance: float | None


@cache
def _stats() -> ModuleType:
    """Return scipy.stats, imported on the first compared answer.

    It costs about a second and 70 MB to import: a service whose console never compares never
    pays it.
    """
    import scipy.stats

    return scipy.stats


def poisson_p(count: int, exposure: float, previous: int, previous_exposure: float) -> float | None:
    """Return the conditional exact binomial test's p-value of two counts over their exposures.

    Given n1 + n2 events, n1 ~ Binomial(n1 + n2, t1 / (t1 + t2)) when both windows have the same
    rate; None when there is no event or a window has no exposure.
    """
    events = count + previous
    if events == 0 or exposure <= 0 or previous_exposure <= 0:
        return None
    share = exposure / (exposure + previous_exposure)
    return float(_stats().binomtest(count, events, share).pvalue)


def two_proportions_p(
    part: int, whole: int, previous_part: int, previous_whole: int
) -> float | None:
    """Return the pooled two-proportion z-test's p-value; None where it is undefined."""
    if whole == 0 or previous_whole == 0:
        return None
    pooled = (part + previous_part) / (whole + previous_whole)
    if pooled in (0, 1):
        return None
    error = math.sqrt(pooled * (1 - pooled) * (1 / whole + 1 / previous_whole))
    z = (part / whole - previous_part / previous_whole) / error
    return math.erfc(abs(z) / math.sqrt(2))


def welch_p(current: Sample, previous: Sample) -> float | None:
    """Return Welch's two-sided t-test p-value of two windows' means; None where undefined."""
    # SQL gives a NULL mean or variance only under 2 units, where the test is undefined anyway.
    if (
        current.units < 2
        or previous.units < 2
        or current.mean is None
        or current.variance is None
        or previous.mean is None
        or previous.variance is None
    ):
        return None
    if current.variance == 0 and previous.variance == 0:
        return None
    result = _stats().ttest_ind_from_stats(
        current.mean,
        math.sqrt(current.variance),
        current.units,
        previous.mean,
        math.sqrt(previous.variance),
        previous.units,
        equal_var=False,
    )
    return float(result.pvalue)


def discoveries(p_values: Sequence[float]) -> list[bool]:
    """Return which p-values are discoveries under Benjamini-Hochberg at the false discovery rate.

    With the m p-values sorted, p(1) <= ... <= p(m), and k the largest rank with
    p(k) <= 0.05 k / m, every p <= p(k) is a discovery; none is when there is no such k.
    """
    m = len(p_values)
    ranked = sorted(p_values)
    threshold = max(
        (p for rank, p in enumerate(ranked, start=1) if p <= FALSE_DISCOVERY_RATE * rank / m),
        default=None,
    )
    return [threshold is not None and p <= threshold for p in p_values]
