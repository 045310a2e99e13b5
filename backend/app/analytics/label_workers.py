"""The per-row work of pain points on every CPU the service has: pre-started worker processes.

Normalising, hashing and labelling a text is pure Python, so one process does it on one core.
Where the service sees more than one CPU, workers started with the service key a share of each
batch while the request's own process keys the rest and reads the next batch; with one CPU there
are none, and every row is keyed in the process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import secrets
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from backend.app.analytics.text_keys import Keys, keys_of

logger = logging.getLogger(__name__)

# Below this many rows a batch is keyed in the process: sending it costs more than it saves.
MIN_SHARED_BATCH = 256
# How the process's own share of a batch moves: up when it waited for the workers, down when it
# did not, so that neither side idles for long.
SHARE_STEP = 0.05
MAX_OWN_SHARE = 0.9


def _warm_up(seed: int) -> None:
    # Build the vocabulary's automaton before the first request needs it.
    keys_of(["warm up"], [None], seed)


async def _joined(shares: Sequence[asyncio.Future[Keys]]) -> list[Keys]:
    """Return every share's keys, in order; cancelled, cancel the shares not started."""
    try:
        return list(await asyncio.gather(*shares))
    except BaseException:
        # A share already running ends within its batch; one not started is dropped.
        for share in shares:
            share.cancel()
        raise


def joined(parts: Sequence[Keys]) -> Keys:
    """Return the keys of consecutive parts of a batch as one."""
    if len(parts) == 1:
        return parts[0]
    return Keys(*(np.concatenate(column) for column in zip(*parts, strict=True)))


class KeyWorkers:
    """Keys rows in this process and in `processes` pre-started workers, with one seed."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        # One seed per service: every process hashes a text alike, and texts cannot be chosen
        # to collide by someone who does not know it.
        self.seed = secrets.randbits(64)
        # The share of each batch this process keys itself.
        self.own_share = 1 / (processes + 1)
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
            *(loop.run_in_executor(self._pool, _warm_up, self.seed) for _ in range(self.processes))
        )
        logger.info("pain points key texts in %d worker process(es) too", self.processes)

    def keying(
        self, rows: Sequence[Sequence[Any]]
    ) -> tuple[Keys, asyncio.Future[list[Keys]] | None]:
        """Key RawTextRow-shaped `rows`: this process's share now, the workers' in the future.

        The process's keys are for the batch's last rows, the workers' for its first ones.
        """
        texts: list[str] = [row[0] for row in rows]
        by_sql: list[str | None] = [row[2] for row in rows]
        if self._pool is None or len(rows) < MIN_SHARED_BATCH:
            return keys_of(texts, by_sql, self.seed), None
        cut = len(rows) - round(len(rows) * self.own_share)
        share = math.ceil(cut / self.processes)
        loop = asyncio.get_running_loop()
        shares = [
            loop.run_in_executor(
                self._pool,
                keys_of,
                texts[start : min(start + share, cut)],
                by_sql[start : min(start + share, cut)],
                self.seed,
            )
            for start in range(0, cut, share)
        ]
        own = keys_of(texts[cut:], by_sql[cut:], self.seed)
        return own, asyncio.ensure_future(_joined(shares))

    async def collected(self, theirs: asyncio.Future[list[Keys]]) -> list[Keys]:
        """Return the workers' keys; this process's share grows if it has to wait for them."""
        step = SHARE_STEP if not theirs.done() else -SHARE_STEP
        self.own_share = min(MAX_OWN_SHARE, max(0.0, self.own_share + step))
        return await theirs

    def close(self) -> None:
        """Stop the workers and wait for them, so that none outlives the service."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
