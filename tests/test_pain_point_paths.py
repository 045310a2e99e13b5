"""Pain points' fast path (raw rows grouped in Python) against the exact one (grouped by SQL).

Both read the same snapshot of a window: the fast path must give the same counts, the same
distinct texts and the same examples in the same order, on rows chosen to break it: spellings
that differ in case and spaces, ties, NULL and blank inputs, non-ASCII text, texts whose label
depends on their case, and rows on the window's edges.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from backend.app.analytics.clustering import PAIN_POINTS
from backend.app.analytics.grains import Grain
from backend.app.analytics.pain_points import label_workers, text_keys
from backend.app.analytics.pain_points.classifier import (
    Classification,
    PainPointClassifier,
    label_cache,
)
from backend.app.analytics.pain_points.keyword_rules import KeywordClassifier, classify_text
from backend.app.analytics.pain_points.label_workers import LabelWorkers
from backend.app.analytics.pain_points.text_keys import normalised_batch
from backend.app.analytics.runner import statements
from backend.app.analytics.window import Window
from backend.app.db.client import Database
from backend.app.db.tables import table_for
from backend.app.db.text_source import TextSource
from backend.app.models.filters import AnalyticsFilters
from tests.support.apps import make_settings
from tests.support.databases import scratch_database
from tests.support.polling import until

# The definition's `regexp_replace(input, '\s{2,}|(?! )\s', ' ', 'g')` for ASCII text.
SQL_WHITESPACE = re.compile(r"[ \t\n\v\f\r]{2,}|[\t\n\v\f\r]")
T0 = datetime(2025, 3, 10)
NOW = datetime(2025, 3, 20, tzinfo=UTC)

# (minutes after T0, input): T0 is the window's first instant, day 3's end its last.
ROWS: list[tuple[float, str | None]] = [
    # One text in four spellings: case, inner and outer spaces, a tab. Its first spelling in
    # byte order ("  Do..." trimmed of its leading spaces is "Do you...") is the example.
    (0, "Do you have SP2610X15 in stock?"),
    (5, "do you have sp2610x15 in stock?"),
    (9, "  Do  you have SP2610X15 in stock?  "),
    (12, "DO YOU HAVE SP2610X15\tIN STOCK?"),
    # Ties: three texts asked twice each, two of them last at the same minute.
    (20, "what time do you open"),
    (40, "what time do you open"),
    (21, "are you open sunday"),
    (40, "are you open sunday"),
    (22, "where is my order"),
    (39, "where is my order"),
    (30, "can i talk to a person"),
    # Not queries: NULL, empty, spaces, a tab and a line break only.
    (31, None),
    (32, ""),
    (33, "   "),
    (34, "\t\n"),
    # Non-ASCII: normalised by the database; one text in two spellings.
    (50, "¿Tienen el cartucho C-4950 en existencia?"),
    (51, "¿tienen el CARTUCHO c-4950 en existencia?"),
    (52, "Bomba Intelliflo o TriStar, ¿cuál es mejor?"),
    # A label that depends on case: Spanish "de" is DE only in capitals in a text that is not.
    (60, "filtro DE arena, como lo armo"),
    (61, "FILTRO DE ARENA, COMO LO ARMO"),
    (62, "filtro de arena, como lo armo"),
    # Other whitespace: a vertical tab and a form feed are spaces, other controls are not.
    (70, "need a new\x0bo-ring for the pump lid"),
    (71, "need a new o-ring\x0cfor the pump lid"),
    (72, "need a new\x1fo-ring for the pump lid"),
    # DE filter support, many times: the most frequent text of its cluster.
    *((80 + i, "how much DE do I add to my filter") for i in range(5)),
    (86, "How much DE do I add to my filter"),
    # The window's last instant, and just outside it on both sides.
    (3 * 24 * 60 - 1 / 60_000_000, "grids for a quad de 60"),
    (3 * 24 * 60, "outside: the next day"),
    (-1 / 60_000_000, "outside: the day before"),
]


async def _fill(connection: asyncpg.Connection) -> None:
    await connection.executemany(
        "INSERT INTO interaction_log (time_stamp, user_id, session_id, input) "
        "VALUES ($1, 'u', 's', $2)",
        [(T0 + timedelta(minutes=minutes), text) for minutes, text in ROWS],
    )


@asynccontextmanager
async def database_of(
    server_url: str, prefix: str, fill: Callable[[asyncpg.Connection], Awaitable[None]]
) -> AsyncIterator[Database]:
    """Yield a Database on a scratch database filled by `fill`."""
    async with scratch_database(server_url, prefix, fill) as url:
        settings = make_settings(url)
        db = Database(url, settings)
        try:
            yield db
        finally:
            await db.dispose()


@pytest.fixture(scope="module")
async def database(server_url: str) -> AsyncIterator[Database]:
    """Yield a Database on a scratch database holding ROWS."""
    async with database_of(server_url, "text_paths", _fill) as db:
        yield db


def _filters(start: str, end: str) -> AnalyticsFilters:
    """Return the pool filters for local dates `start` to `end`, as a request gives them."""
    return AnalyticsFilters.model_validate(
        {"start_date": start, "end_date": end, "product_context": "pool"}
    )


async def _both(
    db: Database,
    filters: AnalyticsFilters,
    *,
    batch_size: int = 4,
    workers: LabelWorkers | None = None,
) -> tuple[Classification, Classification]:
    """Return the fast path's classification and the exact path's, on one snapshot each."""
    classifier = PainPointClassifier(
        local=KeywordClassifier(), cache=label_cache(10), workers=workers
    )
    grouped = statements([PAIN_POINTS], Window(filters, NOW))[Grain.QUERY_TEXT].select
    answers = []
    for fast in (True, False):
        async with db.snapshot() as snapshot:
            source = TextSource(
                snapshot,
                grouped=grouped,
                table=table_for(filters.product_context),
                filters=filters,
                batch_size=batch_size,
            )
            answers.append(
                await (
                    classifier.classify(source)
                    if fast
                    else classifier.classify_grouped(source.grouped())
                )
            )
    return answers[0], answers[1]


def _summary(result: Classification) -> dict[str, Any]:
    tally = result.tally
    return {
        "counts": tally.counts,
        "texts": dict(tally.texts_by_classifier),
        "examples": [tally.examples(cluster) for cluster in range(5)],
    }


WINDOWS = [
    ("2025-03-10", "2025-03-12"),  # every row but the two outside
    ("2025-03-10", "2025-03-10"),  # the first day only
    ("2025-03-12", "2025-03-12"),  # the last instant only
    ("2025-03-09", "2025-03-13"),  # the two outside too
    ("2025-03-01", "2025-03-02"),  # no row
]


@pytest.mark.parametrize(("start", "end"), WINDOWS)
async def test_the_fast_path_answers_as_the_exact_one(
    database: Database, start: str, end: str
) -> None:
    fast, exact = await _both(database, _filters(start, end))
    assert _summary(fast) == _summary(exact)


async def test_the_fast_path_by_hand(database: Database) -> None:
    fast, _ = await _both(database, _filters("2025-03-10", "2025-03-12"))
    # 34 rows, 3 outside the window (two after, one before: the last instant is in), 4 blank or
    # NULL: 27 queries. Twelve texts: SP2610X15 (4 spellings), what time (2), sunday (2), my
    # order (2), a person (1), C-4950 (2, non-ASCII), Intelliflo (1), "filtro de arena" (3
    # spellings, whatever their case), the o-ring with a vertical tab or a form feed (2), the
    # o-ring with \x1f (1: no space), "how much DE" (6) and the quad grids (1).
    assert fast.tally.texts == 12
    assert sum(fast.tally.counts) == 27
    # The stock check's example is its first spelling in byte order, trimmed.
    # Of its four spellings, "DO YOU..." comes first in byte order ("O" before "o").
    stock = classify_text("Do you have SP2610X15 in stock?")
    assert fast.tally.examples(stock)[0] == "DO YOU HAVE SP2610X15\tIN STOCK?"


@pytest.fixture
def colliding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every text the same hash."""
    monkeypatch.setattr(text_keys, "text_hash", lambda text: 0)


async def test_a_hash_collision_falls_back_to_the_exact_path(
    database: Database, colliding: None, caplog: pytest.LogCaptureFixture
) -> None:
    fast, exact = await _both(database, _filters("2025-03-10", "2025-03-12"))
    assert _summary(fast) == _summary(exact)
    assert "share a hash" in caplog.text


# 30 texts 20 times: 600 texts, enough to be worth sending to a worker, which labels its share
# (the first texts) while this process labels the rest.
WORKER_TEXTS = [text for _, text in ROWS if text is not None] * 20


async def _labels_shared(workers: LabelWorkers) -> list[int]:
    """Return WORKER_TEXTS' labels, a share of them sent to a worker (it fails if none is)."""
    labelling = workers.labelling(WORKER_TEXTS)
    assert labelling.theirs is not None
    return list(await workers.labels(labelling))


async def test_worker_processes_label_as_the_process_does() -> None:
    workers = LabelWorkers(1)
    await workers.start()
    try:
        assert await _labels_shared(workers) == [classify_text(text) for text in WORKER_TEXTS]
    finally:
        await workers.close()


async def test_a_worker_killed_is_replaced_and_its_share_labelled_here() -> None:
    workers = LabelWorkers(1)
    await workers.start()
    try:
        expected = [classify_text(text) for text in WORKER_TEXTS]
        [killed] = workers.pids
        os.kill(killed, signal.SIGKILL)
        # The batch sent to the dead worker is labelled in this process: nothing is lost.
        assert await _labels_shared(workers) == expected
        # A new worker takes its place, and labels the next batches.
        await until(lambda: len(workers.pids) == 1 and workers.pids != [killed])
        assert await _labels_shared(workers) == expected
        pids = [killed, *workers.pids]
    finally:
        await workers.close()
    # Both processes were waited for: neither is left, not even as a zombie.
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids)  # noqa: ASYNC240


async def test_a_worker_that_dies_while_idle_is_replaced_at_the_next_batch() -> None:
    workers = LabelWorkers(1)
    await workers.start()
    try:
        expected = [classify_text(text) for text in WORKER_TEXTS]
        [killed] = workers.pids
        os.kill(killed, signal.SIGKILL)
        await until(lambda: workers.running == 0)
        # No worker answers: this process labels the whole batch, and a new worker is started.
        labelling = workers.labelling(WORKER_TEXTS)
        assert labelling.theirs is None
        assert list(await workers.labels(labelling)) == expected
        await until(lambda: workers.running == 1 and workers.pids != [killed])
        assert await _labels_shared(workers) == expected
    finally:
        await workers.close()


async def test_what_a_worker_prints_is_not_taken_for_its_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python runs sitecustomize.py from its path before anything else: here it prints a line
    # on the worker's stdout, where answers once came, before the worker has read anything.
    (tmp_path / "sitecustomize.py").write_text("print('hello from a site customisation')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    workers = LabelWorkers(1)
    await workers.start()
    try:
        assert await _labels_shared(workers) == [classify_text(text) for text in WORKER_TEXTS]
    finally:
        await workers.close()


async def test_no_worker_is_left_when_one_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    started = label_workers._Worker.started
    calls = 0

    async def second_fails() -> label_workers._Worker:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("no more processes")
        return await started()

    monkeypatch.setattr(label_workers._Worker, "started", second_fails)
    before = _children()  # the tests' own servers, say
    workers = LabelWorkers(2)
    with pytest.raises(OSError, match="no more processes"):
        await workers.start()
    # The worker that did start was stopped and waited for: no child of this process is left.
    assert calls == 2
    assert _children() == before


def _children() -> list[int]:
    """Return the process ids of this process's children, from /proc."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return sorted(
        int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()
    )


@pytest.mark.parametrize(
    "text",
    [
        "  a  b  ",
        "\t\ta\n",
        "a\x0bb\x0cc\rd",
        "a\x1cb",
        " ",
        "",
        "A  B\tC",
        "x \x1f y",
        "trailing ",
        " leading",
        "  ",
        "A",
        # Not ASCII: the batch is normalised by str methods instead of array operations.
        " CAF\u00c9  au\tlait ",
    ],
)
def test_a_batch_is_normalised_as_each_text_alone(text: str) -> None:
    # Joined into one string, a text's spaces must not leak into its neighbours', and each text
    # comes out as the SQL definition's regular expression, written here in Python, makes it.
    # (The batch's first and last texts have spaces at both ends, where the joined string does.)
    batch = ["  first ", text, " last  "]
    assert normalised_batch(batch, [None] * 3) == [
        SQL_WHITESPACE.sub(" ", t).strip(" ").lower() for t in batch
    ]


async def _repeated(connection: asyncpg.Connection) -> None:
    # 12,000 rows a minute apart, of 20 texts (four questions and ten tails, both picked by i,
    # pair up as i mod 20 does): templated, as a chatbot's canned questions are.
    await connection.execute(
        """
        INSERT INTO interaction_log (time_stamp, user_id, session_id, input)
        SELECT $1::timestamp + i * interval '1 minute', 'u', 's',
               (ARRAY['what time do you open', 'Do you have SP2610X15 in stock?',
                      'how much DE do I add', 'need a new o-ring for the lid'])[1 + i % 4]
               || ' #' || (i % 10)
        FROM generate_series(1, 12000) AS i
        """,
        T0,
    )


@pytest.fixture(scope="module")
async def repeated(server_url: str) -> AsyncIterator[Database]:
    """Yield a Database on a scratch database of 12,000 rows holding 20 distinct texts."""
    async with database_of(server_url, "text_repeats", _repeated) as db:
        yield db


async def test_texts_that_repeat_are_grouped_by_sql(repeated: Database) -> None:
    statements_run: list[str] = []
    engine = repeated.engine.sync_engine

    def log(*args: Any) -> None:
        statements_run.append(args[2])

    event.listen(engine, "before_cursor_execute", log)
    try:
        fast, exact = await _both(repeated, _filters("2025-03-10", "2025-03-31"))
    finally:
        event.remove(engine, "before_cursor_execute", log)
    assert _summary(fast) == _summary(exact)
    # 20 texts in the first 2,000 rows: the raw rows stop there and SQL groups them instead, in
    # the same snapshot; the exact path alone ran one statement.
    assert sum(fast.tally.counts) == 12_000
    assert fast.tally.texts == 20
    assert len(statements_run) == 3
    assert "GROUP BY" not in statements_run[0]
    assert "GROUP BY" in statements_run[1]


async def _varied(connection: asyncpg.Connection) -> None:
    # 9,000 rows, mostly distinct: 3,000 questions, each also asked in capitals (every third)
    # and with stray spaces and a tab (every fifth), at times that tie now and then.
    await connection.execute(
        """
        INSERT INTO interaction_log (time_stamp, user_id, session_id, input)
        SELECT $1::timestamp + (i / 3) * interval '1 second', 'u', 's',
               CASE WHEN i % 3 = 0 THEN upper(q)
                    WHEN i % 5 = 0 THEN '  ' || replace(q, ' ', E' \t') ELSE q END
        FROM generate_series(1, 9000) AS i,
             LATERAL (SELECT (ARRAY['do you have sp', 'need cartridge c-', 'how much de for my ',
                                    'what pump for a ', 'hours at branch '])[1 + i % 5]
                             || (i % 3000) AS q) AS question
        """,
        T0,
    )


@pytest.fixture(scope="module")
async def varied(server_url: str) -> AsyncIterator[Database]:
    """Yield a Database on a scratch database of 9,000 mostly distinct rows."""
    async with database_of(server_url, "text_varied", _varied) as db:
        yield db


async def test_the_fast_path_in_full_batches_with_a_worker(varied: Database) -> None:
    # Batches as the service reads them (2,000 rows: the batch reader, the worker's share, the
    # memo across batches all at work) against the exact path.
    workers = LabelWorkers(1)
    await workers.start()
    try:
        fast, exact = await _both(
            varied, _filters("2025-03-10", "2025-03-12"), batch_size=2000, workers=workers
        )
    finally:
        await workers.close()
    assert _summary(fast) == _summary(exact)
    assert sum(fast.tally.counts) == 9_000
