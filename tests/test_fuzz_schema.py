"""Schemathesis, every check on, against the service's own OpenAPI document: they agree.

The same command a new user would run (docs/testing.md), on a live uvicorn over the fixture
database: every operation, every phase (examples, coverage, fuzzing), valid and invalid
requests, every check, positive_data_acceptance ("a schema-valid request is accepted")
included. Only the window rules JSON Schema cannot state are kept by a generation hook
(tests/schemathesis_hooks.py names each). The example count is bounded to keep CI within minutes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
MAX_EXAMPLES = 30
# The keys of an OpenAPI path item that are operations (the others: summary, parameters, ...).
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def schemathesis_command(base_url: str) -> list[str]:
    """Return the command line that checks the service at `base_url`."""
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--no-color",
    ]


def test_the_document_and_the_service_agree(app: FastAPI, live_server: str) -> None:
    # Every operation the app documents, counted from the app: a new route is tested or fails here.
    operations = sum(
        method in HTTP_METHODS for item in app.openapi()["paths"].values() for method in item
    )
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks"}
    run = subprocess.run(
        schemathesis_command(live_server),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected is not None, report
    assert tested is not None, report
    assert (selected[1], selected[2], tested[1]) == (str(operations),) * 3, report
