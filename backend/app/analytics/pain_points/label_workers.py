"""The local rules on every CPU the service has: pre-started worker processes label texts.

Labelling is pure Python, so one process labels on one core. Where the service sees more than
one CPU, workers started with the service label a share of each batch while the request's own
process labels the rest and reads and prepares the next batch; with one CPU there are none.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

from backend.app.analytics.pain_points.text_keys import SEPARATOR, label_all, label_joined

logger = logging.getLogger(__name__)

# Below this many texts a batch is labelled in the process: sending it costs more than it saves.
MIN_SHARED_BATCH = 256
# How the process's own share of a batch moves: up when it had to wait for the workers, down
# when it did not, so that neither side idles for long.
SHARE_STEP = 0.05
MAX_OWN_SHARE = 0.9
# Longer than this for the workers' share, and this process waited for them (a share ready
# takes a turn of the event loop to collect).
WAITED_SECONDS = 0.001


async def _joined(shares: Sequence[asyncio.Future[bytes]]) -> list[bytes]:
    """Return every share's labels, in order; cancelled, cancel the shares not started."""
    try:
        return list(await asyncio.gather(*shares))
    except BaseException:
        # A share already running ends within its batch; one not started is dropped.
        for share in shares:
            share.cancel()
        raise


def _pool(processes: int) -> ProcessPoolExecutor:
    # Spawned, not forked: the service's threads and event loop stay out of the children.
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))


class Labelling(NamedTuple):
    """A batch's texts being labelled: the workers' share, on its way, then this process's."""

    shared: Sequence[str]
    own: bytes
    theirs: asyncio.Future[list[bytes]] | None

    def cancel(self) -> None:
        """Stop waiting for the workers' share (a share not yet started is dropped)."""
        if self.theirs is not None:
            self.theirs.cancel()


class LabelWorkers:
    """Labels texts in this process and in `processes` pre-started workers."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        # The share of each batch this process labels itself.
        self.own_share = 1 / (processes + 1)
        self._pool = _pool(processes) if processes > 0 else None

    async def start(self) -> None:
        """Start every worker now (the vocabulary built), so that no request waits for one."""
        if self._pool is None:
            return
        loop = asyncio.get_running_loop()
        # Enough texts to build the batch reader's automaton too.
        warm_up = [f"warm up {n}" for n in range(MIN_SHARED_BATCH)]
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, label_all, warm_up) for _ in range(self.processes))
        )
        logger.info("pain points label texts in %d worker process(es) too", self.processes)

    def labelling(self, texts: Sequence[str]) -> Labelling:
        """Label `texts`: this process's share (the last texts) now, the workers' in the future."""
        if self._pool is None or len(texts) < MIN_SHARED_BATCH:
            return Labelling((), label_all(texts), None)
        cut = len(texts) - round(len(texts) * self.own_share)
        share = math.ceil(cut / self.processes)
        loop = asyncio.get_running_loop()
        shares = [
            loop.run_in_executor(
                self._pool, label_joined, SEPARATOR.join(texts[start : min(start + share, cut)])
            )
            for start in range(0, cut, share)
        ]
        theirs = asyncio.ensure_future(_joined(shares))
        try:
            return Labelling(texts[:cut], label_all(texts[cut:]), theirs)
        except BaseException:
            theirs.cancel()
            raise

    async def labels(self, labelling: Labelling) -> bytes:
        """Return a batch's labels in text order; this process's share grows if it waits."""
        shared, own, theirs = labelling
        if theirs is None:
            return own
        started = time.monotonic()
        try:
            labels = b"".join(await theirs) + own
        except BrokenProcessPool:
            # A worker died (killed for memory, say): a new pool serves the next batches, and
            # this process labels this batch's shared texts itself.
            logger.error("a pain-point worker process died: starting new workers")
            self._restart()
            return label_all(shared) + own
        # Timed, not asked with done(): a share labelled meanwhile is only marked done once
        # this process awaits it, so done() said "waited" nearly every time.
        waited = time.monotonic() - started > WAITED_SECONDS
        step = SHARE_STEP if waited else -SHARE_STEP
        self.own_share = min(MAX_OWN_SHARE, max(0.0, self.own_share + step))
        return labels

    def _restart(self) -> None:
        """Replace a broken pool by a new one, its workers started on demand."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = _pool(self.processes)

    def close(self) -> None:
        """Stop the workers and wait for them, so that none outlives the service."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
