"""Pain points' fast path: a window's raw rows normalised, labelled and grouped by text in batches.

Nearly every real query text is distinct, so grouping a year of them in SQL cost more than
reading them. Here every row streams past once: its text is normalised as the SQL definition
does, labelled, and kept as four numbers (the text's hash and length, its label, its time). At
the end, numpy groups the rows by hash; only the few texts shown as examples, and any whose rows
disagree, are read again, by their times, to get their spelling and to rule out a collision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from backend.app.analytics.pain_points import text_keys
from backend.app.analytics.pain_points.pain_tally import EXAMPLES_PER_CLUSTER, QueryText, Tally
from backend.app.analytics.pain_points.text_keys import Keys, normalised_batch
from backend.app.db.client import POSTGRES_EPOCH
from backend.app.db.text_source import TextSource
from backend.app.models.pain_points import PAIN_POINT_CLUSTERS

Ints = npt.NDArray[np.int64]
AnyNumber = TypeVar("AnyNumber", bound=np.generic)


class HashCollisionError(Exception):
    """Two different texts share a hash: the caller counts the window the exact way instead."""


def as_datetime(microseconds: int) -> datetime:
    """Return a TIMESTAMP read as microseconds since PostgreSQL's epoch as a datetime."""
    # A window lies within years 1 to 9999: no 'infinity' is read.
    return POSTGRES_EPOCH + timedelta(microseconds=microseconds)


@dataclass(frozen=True)
class Groups:
    """The window's distinct texts, by hash: rows, latest time and label of each."""

    hashes: Ints
    counts: Ints
    latest: Ints
    labels: npt.NDArray[np.int8]
    # Groups whose rows disagree on their label or length: labelled from their spelling, and
    # checked for a collision.
    unsettled: Ints
    # Each group's rows' times: times[starts[g]:starts[g] + counts[g]].
    times: Ints
    starts: Ints

    def stamps_of(self, groups: Sequence[int]) -> list[int]:
        """Return the distinct times of the rows of `groups`."""
        pieces = [self.times[self.starts[g] : self.starts[g] + self.counts[g]] for g in groups]
        return [int(time) for time in np.unique(np.concatenate(pieces))] if pieces else []


class RowGroups:
    """The rows of a window as they stream past, as keys and times, then grouped by text."""

    def __init__(self) -> None:
        # Each column's pieces, one per batch: joined, and let go, one column at a time.
        self._hashes: list[Ints] = []
        self._lengths: list[npt.NDArray[np.int32]] = []
        self._labels: list[npt.NDArray[np.int8]] = []
        self._times: list[Ints] = []

    def add(self, keys: Keys) -> None:
        """Keep one batch's keys."""
        self._hashes.append(keys.hashes)
        self._lengths.append(keys.lengths)
        self._labels.append(keys.labels)
        self._times.append(keys.times)

    def groups(self) -> Groups:
        """Return the rows grouped by text hash (the rows kept are let go meanwhile)."""
        empty = np.zeros(0, dtype=np.int64)
        hashes = _joined(self._hashes, empty)
        if not hashes.size:
            return Groups(empty, empty, empty, np.zeros(0, np.int8), empty, empty, empty)
        # Any order within a group will do (its minimum, maximum and set of times are read):
        # numpy's default sort is four times faster than a stable one here.
        order = np.argsort(hashes)
        hashes = hashes[order]
        starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
        counts = np.diff(np.append(starts, len(hashes)))
        # Column by column: a year of rows is held whole at most twice (its pieces, and one
        # column sorted), not four times over.
        times = _joined(self._times, empty)[order]
        labels = _joined(self._labels, np.zeros(0, np.int8))[order]
        lengths = _joined(self._lengths, np.zeros(0, np.int32))[order]
        del order
        unsettled = (np.minimum.reduceat(labels, starts) != np.maximum.reduceat(labels, starts)) | (
            np.minimum.reduceat(lengths, starts) != np.maximum.reduceat(lengths, starts)
        )
        return Groups(
            hashes=hashes[starts],
            counts=counts,
            latest=np.maximum.reduceat(times, starts),
            labels=labels[starts],
            unsettled=np.flatnonzero(unsettled),
            times=times,
            starts=starts,
        )


def _joined(
    pieces: list[npt.NDArray[AnyNumber]], empty: npt.NDArray[AnyNumber]
) -> npt.NDArray[AnyNumber]:
    """Return `pieces` joined into one array, and let them go."""
    joined = np.concatenate(pieces) if pieces else empty
    pieces.clear()
    return joined


@dataclass(frozen=True)
class Spelled:
    """A text read again: its normalised form and first spelling in byte order."""

    text: str
    spelling: str


async def spelled(source: TextSource, groups: Groups, wanted: Sequence[int]) -> dict[int, Spelled]:
    """Read the rows of the `wanted` groups again; return each one's text and spelling.

    Raise HashCollisionError when a wanted hash is shared by two texts, or its rows are not all
    there.
    """
    if not wanted:
        return {}
    by_hash = {int(groups.hashes[g]): g for g in wanted}
    found: dict[int, Spelled] = {}
    rows_found = dict.fromkeys(wanted, 0)
    # Closed when a collision stops the reading: the exact path then runs in this snapshot.
    async with aclosing(source.at(groups.stamps_of(wanted))) as batches:
        async for rows in batches:
            texts = [row[0] for row in rows]
            keys = normalised_batch(texts, [row[2] for row in rows])
            for text, key in zip(texts, keys, strict=True):
                group = by_hash.get(text_keys.text_hash(key)) if key else None
                if group is None:
                    continue
                spelling = text.lstrip(" ")
                seen = found.get(group)
                if seen is not None and seen.text != key:
                    raise HashCollisionError
                if seen is None or spelling < seen.spelling:
                    found[group] = Spelled(key, spelling)
                rows_found[group] += 1
    if any(rows_found[g] != groups.counts[g] for g in wanted):
        raise HashCollisionError
    return found


def candidates(groups: Groups, cluster: int) -> list[int]:
    """Return the groups that may be `cluster`'s examples: the first few and any tied with them."""
    members = np.flatnonzero(groups.labels == cluster)
    if members.size > EXAMPLES_PER_CLUSTER:
        counts = groups.counts[members]
        cut = np.partition(counts, members.size - EXAMPLES_PER_CLUSTER)[
            members.size - EXAMPLES_PER_CLUSTER
        ]
        members = members[counts >= cut]
    # Most rows first, then the most recent: the examples' order before their spelling.
    ranked = members[np.lexsort((-groups.latest[members], -groups.counts[members]))]
    if ranked.size <= EXAMPLES_PER_CLUSTER:
        return [int(group) for group in ranked]
    last = ranked[EXAMPLES_PER_CLUSTER - 1]
    count, latest = groups.counts[last], groups.latest[last]
    keep = (groups.counts[ranked] > count) | (
        (groups.counts[ranked] == count) & (groups.latest[ranked] >= latest)
    )
    return [int(group) for group in ranked[keep]]


async def tally_groups(
    source: TextSource, groups: Groups, *, label: Callable[[str], int], classifier: str
) -> Tally:
    """Count every group in its cluster and pick each cluster's examples, as `classifier`."""
    # Groups whose rows disagree are labelled from their spelling, as the exact path labels them.
    texts = await spelled(source, groups, groups.unsettled.tolist())
    if texts:
        labels = groups.labels.copy()
        for group, text in texts.items():
            labels[group] = label(text.spelling)
        groups = replace(groups, labels=labels)
    tally = Tally([classifier])
    for cluster in range(len(PAIN_POINT_CLUSTERS)):
        members = groups.labels == cluster
        tally.count(
            cluster, int(groups.counts[members].sum()), int(members.sum()), classifier=classifier
        )
    wanted = {cluster: candidates(groups, cluster) for cluster in range(len(PAIN_POINT_CLUSTERS))}
    # Candidates already read as unsettled groups are not read again.
    unread = [g for chosen in wanted.values() for g in chosen if g not in texts]
    texts |= await spelled(source, groups, unread)
    for cluster, chosen in wanted.items():
        for group in chosen:
            text = texts[group]
            tally.offer(
                QueryText(
                    int(groups.counts[group]),
                    as_datetime(int(groups.latest[group])),
                    text.text,
                    text.spelling,
                ),
                cluster,
            )
    return tally
