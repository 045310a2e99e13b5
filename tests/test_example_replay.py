"""The recorded examples, recorded again: every endpoint answers the same bytes on the same data.

`make examples` records them on demo data pinned to end at DATA_END (backend/demo/
record_examples.py). Here the same data are loaded into a database of the test server and every
example is recorded again through the app in the process: a change that moves any number, name,
order or rounding of any answer fails here, example by example.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.demo.record_examples import EXAMPLES, fill_examples_data, record, written
from tests.support.databases import scratch_database


@pytest.fixture(scope="module")
async def examples_database_url(server_url: str) -> AsyncIterator[str]:
    """Yield a database holding the examples' demo data (100,000 pool rows, as make run loads)."""
    async with scratch_database(server_url, "examples_test", fill_examples_data) as url:
        yield url


async def test_every_example_is_answered_again_byte_for_byte(examples_database_url: str) -> None:
    bodies = await record(examples_database_url)
    recorded = sorted(path.stem for path in EXAMPLES.glob("*.json"))
    assert sorted(bodies) == recorded
    for name, body in bodies.items():
        # The file holds the body indented; the same text is the same values in the same order,
        # and the service writes those as the same bytes.
        assert written(body) == (EXAMPLES / f"{name}.json").read_text(), name
