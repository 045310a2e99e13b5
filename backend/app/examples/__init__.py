"""Real response bodies, recorded from the demo data, that the OpenAPI document shows.

`python -m backend.demo.record_examples` (`make examples`) writes them again; a test checks that
each still validates against its response model and has exactly its current fields.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def example(name: str) -> Any:
    """Return the recorded body `name` (a KPI's name, `overview`, `filter_options`, ...).

    None when it was never recorded: the recorder runs the app before there is anything to show.
    """
    path = resources.files(__package__).joinpath(f"{name}.json")
    return json.loads(path.read_text()) if path.is_file() else None
