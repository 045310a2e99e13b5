"""The local rules on every CPU the service has: pre-started worker processes label the texts.

Labelling is pure Python, so one process labels on one core. Where the service sees more than
one CPU, workers started with the service label each batch while the request's own process reads
and prepares the next one; with one CPU there are none, and texts are labelled in the process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from backend.app.analytics.keyword_rules import classify_text

logger = logging.getLogger(__name__)

# Below this many texts a batch is labelled in the process: sending it costs more than it saves.
MIN_SHARED_BATCH = 256


def label_all(texts: Sequence[str]) -> list[int]:
    """Return the local rules' label of each text (run in a worker)."""
    return [classify_text(text) for text in texts]


async def _joined(shares: Sequence[asyncio.Future[list[int]]]) -> list[int]:
    """Return the labels of every share, in order; cancelled, cancel the shares not started."""
    try:
        parts = await asyncio.gather(*shares)
    except BaseException:
        # A share already running ends within its batch; one not started is dropped.
        for share in shares:
            share.cancel()
        raise
    return [label for part in parts for label in part]


def _warm_up() -> None:
    # Build the vocabulary's automaton before the first request needs it.
    classify_text("warm up")


class LabelWorkers:
    """The local rules, with `processes` pre-started workers sharing each batch."""

    def __init__(self, processes: int, *, label: Callable[[str], int] = classify_text) -> None:
        self.processes = processes
        self._label = label
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0:
            # Spawned, not forked: the service's threads and event loop stay out of the child.
            self._pool = ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn")
            )

    async def start(self) -> None:
        """Start every worker now, so that no request waits for one to start."""
        if self._pool is None:
            return
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, _warm_up) for _ in range(self.processes))
        )
        logger.info(
            "pain points label on %d worker process(es) besides the service", self.processes
        )

    def labelling(self, texts: Sequence[str]) -> asyncio.Future[list[int]]:
        """Start labelling `texts`; the future holds their labels, in order.

        With workers, they share the texts among them while this process goes on (reading and
        preparing the next batch); without, the texts are labelled here and now.
        """
        if self._pool is None or len(texts) < MIN_SHARED_BATCH:
            done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
            done.set_result([self._label(text) for text in texts])
            return done
        share = math.ceil(len(texts) / self.processes)
        loop = asyncio.get_running_loop()
        shares = [
            loop.run_in_executor(self._pool, label_all, texts[start : start + share])
            for start in range(0, len(texts), share)
        ]
        return asyncio.ensure_future(_joined(shares))

    def close(self) -> None:
        """Stop the workers and wait for them, so that none outlives the service."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
