"""The local rules on every CPU the service has: pre-started worker processes label texts.

Labelling is pure Python, so one process labels on one core. Where the service sees more than
one CPU, workers started with the service label a share of each batch while the request's own
process labels the rest and reads and prepares the next batch; with one CPU there are none.

Each worker is a child process (`label_worker.py`) fed through its stdin and read through a
pipe of its own by the event loop itself: no thread of this process takes part, so sending a batch
costs this process a copy of its text and nothing more (a process pool's threads, fighting
this process for the interpreter, cost it a second on a year of free text).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import math
import os
import sys
import time
from collections import deque
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

from backend.app.analytics.pain_points.keyword_rules import cluster_bytes
from backend.app.analytics.pain_points.label_worker import FRAME
from backend.app.analytics.pain_points.text_keys import SEPARATOR

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
# Where `backend` lies, for the workers to import it from whatever directory the service runs in.
_ROOT = Path(__file__).resolve().parents[4]
# How long a worker may take to stop once its input is closed, before it is killed, and to
# label its first batch once started.
STOP_SECONDS = 5.0
START_SECONDS = 60.0
# A batch's share fits a pipe this size whole. Linux's pipes hold 64 KiB unless widened: the
# rest of a larger share waited in the event loop until this process next awaited something,
# and the worker idled meanwhile.
PIPE_BYTES = 1 << 20


def _widen(process: asyncio.subprocess.Process) -> None:
    """Let the worker's input pipe hold a whole share, where the system allows it."""
    if process.stdin is None or not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    pipe = process.stdin.get_extra_info("pipe")
    with suppress(OSError):
        # Beyond /proc/sys/fs/pipe-max-size the pipe keeps its size: correct, only slower.
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class WorkerDiedError(Exception):
    """A label worker stopped before it answered (killed for memory, say)."""


async def _joined(shares: Sequence[asyncio.Future[bytes]]) -> list[bytes]:
    """Return every share's labels, in order; cancelled, stop waiting for all of them."""
    try:
        return list(await asyncio.gather(*shares))
    except BaseException:
        # A worker still labels a batch it was sent, and its answer is dropped.
        for share in shares:
            share.cancel()
        raise


class _Worker:
    """One worker process, and the batches sent to it that it has not answered yet."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        answers: asyncio.StreamReader,
        channel: asyncio.BaseTransport,
    ) -> None:
        self.process = process
        self._answers = answers
        self._channel = channel
        # Answers come back in the order the batches went out: each batch's future, and how
        # many texts it holds (its answer's length).
        self._waiting: deque[tuple[asyncio.Future[bytes], int]] = deque()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def started(cls) -> _Worker:
        """Start a worker process and return it once it has labelled a first batch."""
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        # Answers come on a pipe of their own, not stdout, which anything the worker's imports
        # print may write to.
        answers_fd, writing_fd = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "backend.app.analytics.pain_points.label_worker",
                str(writing_fd),
                stdin=asyncio.subprocess.PIPE,
                pass_fds=(writing_fd,),
                env=environment,
            )
        except BaseException:
            os.close(answers_fd)
            raise
        finally:
            os.close(writing_fd)
        answers = asyncio.StreamReader()
        channel, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(answers), os.fdopen(answers_fd, "rb", buffering=0)
        )
        _widen(process)
        worker = cls(process, answers, channel)
        try:
            # Enough texts to build the batch reader's automaton too.
            warm_up = [f"warm up {n}" for n in range(MIN_SHARED_BATCH)]
            await asyncio.wait_for(worker.label(warm_up), START_SECONDS)
        except BaseException:
            await worker.stop()
            raise
        return worker

    @property
    def alive(self) -> bool:
        """Return whether the worker still answers."""
        return not self._reader.done()

    def label(self, texts: Sequence[str]) -> asyncio.Future[bytes]:
        """Send `texts`, joined by SEPARATOR; return the future of their labels."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        if not self.alive or self.process.stdin is None:
            future.set_exception(WorkerDiedError())
            return future
        data = SEPARATOR.join(texts).encode()
        # Buffered by the pipe's transport: this never blocks the event loop.
        self.process.stdin.write(FRAME.pack(len(data)) + data)
        self._waiting.append((future, len(texts)))
        return future

    async def _read(self) -> None:
        """Hand each answer to the batch it belongs to, until the worker stops."""
        try:
            while True:
                (size,) = FRAME.unpack(await self._answers.readexactly(FRAME.size))
                if not self._waiting or size != self._waiting[0][1]:
                    # An answer to nothing asked: the worker is no longer trusted.
                    logger.error("a pain-point worker answered out of turn: stopping it")
                    with suppress(ProcessLookupError):
                        self.process.kill()
                    return
                labels = await self._answers.readexactly(size)
                future, _ = self._waiting.popleft()
                # Not when its request was cancelled meanwhile.
                if not future.done():
                    future.set_result(labels)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker stopped
        finally:
            # Whatever it had not answered is labelled elsewhere.
            while self._waiting:
                future, _ = self._waiting.popleft()
                if not future.done():
                    future.set_exception(WorkerDiedError())

    async def stop(self) -> None:
        """Close the worker's input and wait for it to end; kill it if it does not."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            with suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        await self._reader
        self._channel.close()


class Labelling(NamedTuple):
    """A batch's texts being labelled: the workers' share, on its way, then this process's."""

    shared: Sequence[str]
    own: bytes
    theirs: asyncio.Future[list[bytes]] | None

    def cancel(self) -> None:
        """Stop waiting for the workers' share (a worker still labels what it was sent)."""
        if self.theirs is not None:
            self.theirs.cancel()


class LabelWorkers:
    """Labels texts in this process and in `processes` pre-started workers."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        # The share of each batch this process labels itself.
        self.own_share = 1 / (processes + 1)
        self._workers: list[_Worker] = []
        self._replacing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start every worker now (the vocabulary built), so that no request waits for one."""
        if self.processes <= 0:
            return
        started = await asyncio.gather(
            *(_Worker.started() for _ in range(self.processes)), return_exceptions=True
        )
        workers = [worker for worker in started if isinstance(worker, _Worker)]
        failed = [error for error in started if isinstance(error, BaseException)]
        if failed:
            # None is left running when the service does not start.
            await asyncio.gather(*(worker.stop() for worker in workers))
            raise failed[0]
        self._workers = workers
        logger.info("pain points label texts in %d worker process(es) too", self.processes)

    @property
    def pids(self) -> list[int]:
        """Return the process ids of the workers (for the tests)."""
        return [worker.process.pid for worker in self._workers]

    @property
    def running(self) -> int:
        """Return how many workers still answer."""
        return sum(worker.alive for worker in self._workers)

    def labelling(self, texts: Sequence[str]) -> Labelling:
        """Label `texts`: this process's share (the last texts) now, the workers' in the future."""
        workers = [worker for worker in self._workers if worker.alive]
        if len(workers) < len(self._workers):
            # One died since the last batch (killed for memory while idle, say).
            self._replace_dead()
        if not workers or len(texts) < MIN_SHARED_BATCH:
            return Labelling((), cluster_bytes(texts), None)
        cut = len(texts) - round(len(texts) * self.own_share)
        share = math.ceil(cut / len(workers)) or 1
        shares = [
            worker.label(texts[start : min(start + share, cut)])
            for worker, start in zip(workers, range(0, cut, share), strict=False)
        ]
        theirs = asyncio.ensure_future(_joined(shares))
        try:
            return Labelling(texts[:cut], cluster_bytes(texts[cut:]), theirs)
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
        except WorkerDiedError:
            # A worker died (killed for memory, say): a new one is started for the next
            # batches, and this process labels this batch's shared texts itself.
            logger.error("a pain-point worker process died: starting a new one")
            self._replace_dead()
            return cluster_bytes(shared) + own
        # Timed, not asked with done(): a share labelled meanwhile is only marked done once
        # this process awaits it, so done() said "waited" nearly every time.
        waited = time.monotonic() - started > WAITED_SECONDS
        step = SHARE_STEP if waited else -SHARE_STEP
        self.own_share = min(MAX_OWN_SHARE, max(0.0, self.own_share + step))
        return labels

    def _replace_dead(self) -> None:
        """Start a new worker, in the background, for each one that died."""
        dead = [worker for worker in self._workers if not worker.alive]
        self._workers = [worker for worker in self._workers if worker.alive]
        for worker in dead:
            task = asyncio.ensure_future(self._replace(worker))
            self._replacing.add(task)
            task.add_done_callback(self._replacing.discard)

    async def _replace(self, dead: _Worker) -> None:
        await dead.stop()
        try:
            self._workers.append(await _Worker.started())
        except (OSError, WorkerDiedError, TimeoutError):
            # Its first batch past START_SECONDS included: logged, not left in a task unread.
            logger.exception("a pain-point worker process could not be started")

    async def close(self) -> None:
        """Stop the workers and wait for them, so that none outlives the service."""
        for task in list(self._replacing):
            task.cancel()
        await asyncio.gather(*self._replacing, return_exceptions=True)
        workers, self._workers = self._workers, []
        await asyncio.gather(*(worker.stop() for worker in workers))
