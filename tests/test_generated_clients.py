"""Clients generated from /openapi.json, as the console team generates them, work on real answers.

Python: openapi-python-client (a dev dependency) writes a client into the test's own temporary
folder; the test imports it and calls the overview through it against the test app. TypeScript:
openapi-typescript and tsc (installed offline by `make install` into tools/node) type-check a
real overview body against the generated types with --strict; skipped where Node is missing.

Window W's numbers (tests/test_sessions.py, tests/test_compare.py): 7 sessions, against 1 in the
7 days before.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.endpoints import get_json
from tests.support.windows import pool

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "tools" / "node" / "node_modules" / ".bin"
PACKAGE = "heritage_analytics_client"


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a generator or compiler; return what it did."""
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
async def document(client: httpx.AsyncClient, tmp_path: Path) -> Path:
    """Write the service's OpenAPI document into the test's folder; return its path."""
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(await get_json(client, "/openapi.json")))
    return path


@pytest.fixture
def generated_package(document: Path, tmp_path: Path) -> Iterator[Any]:
    """Generate the Python client into the test's folder and import it; forget it afterwards."""
    config = tmp_path / "generator.json"
    # No post hooks: the generator would run ruff on its output, which is not its test.
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    # A warning means a part of the document could not be generated (a duplicate enum key,
    # say): the client would silently lack it.
    assert "Warning" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


async def test_a_generated_python_client_reads_the_overview(
    generated_package: Any, app: FastAPI
) -> None:
    overview = importlib.import_module(f"{PACKAGE}.api.analytics.overview_analytics_overview_get")
    models = importlib.import_module(f"{PACKAGE}.models")

    def connect() -> Any:
        transport = httpx.ASGITransport(app=app)
        return generated_package.Client(
            base_url="http://testserver", httpx_args={"transport": transport}
        )

    async with connect() as connected:
        response = await overview.asyncio_detailed(
            client=connected,
            start_date=date(2025, 6, 1),
            end_date=date(2025, 6, 7),
            product_context=models.ProductContext("pool"),
            compare=models.Compare("previous_period"),
            tz=models.TimeZone("Etc/UTC"),
        )
    assert response.status_code == 200, response.content
    body = response.parsed
    # Parsed into the generated models, every section and the comparison typed.
    assert isinstance(body, models.OverviewResponse)
    assert body.sessions.total_sessions == 7
    assert body.volume.daily[0].date == date(2025, 6, 1)
    assert body.previous.sessions.total_sessions == 1
    assert body.changes.sessions.total_sessions.delta == 6.0
    assert body.filters.start_date.isoformat() == "2025-06-01T00:00:00+00:00"
    # Without compare, the two required, nullable fields come back as None.
    async with connect() as connected:
        plain = await overview.asyncio(
            client=connected,
            start_date=date(2025, 6, 1),
            end_date=date(2025, 6, 7),
            product_context=models.ProductContext("pool"),
        )
    assert (plain.previous, plain.changes) == (None, None)


async def test_generated_typescript_types_accept_a_real_body(
    client: httpx.AsyncClient, document: Path, tmp_path: Path
) -> None:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the TypeScript client is not checked here")
    generate, tsc = NODE_BIN / "openapi-typescript", NODE_BIN / "tsc"
    if not (generate.exists() and tsc.exists()):
        pytest.fail("openapi-typescript and tsc are missing from tools/node: run `make install`")
    run = await asyncio.to_thread(
        _run, [str(generate), str(document), "--output", str(tmp_path / "api.ts")]
    )
    assert run.returncode == 0, run.stdout + run.stderr
    body = await get_json(client, "/analytics/overview", **pool(compare="previous_period"))
    plain = await get_json(client, "/analytics/volume", **pool())
    (tmp_path / "check.ts").write_text(
        'import type { components, paths } from "./api";\n'
        'type Overview = paths["/analytics/overview"]["get"]["responses"][200]["content"]'
        '["application/json"];\n'
        'type Volume = components["schemas"]["VolumeResponse"];\n'
        f"const overview: Overview = {json.dumps(body)};\n"
        f"const volume: Volume = {json.dumps(plain)};\n"
        "// previous and changes are required, and may be null: strict mode makes code check.\n"
        "const delta: number | null = overview.changes === null\n"
        "  ? null : overview.changes.sessions.total_sessions.delta;\n"
        "const mean: number | null = volume.avg_sessions_per_day;\n"
        'const zone: components["schemas"]["TimeZone"] = "America/Chicago";\n'
        "export { delta, mean, overview, volume, zone };\n"
    )
    check = await asyncio.to_thread(
        _run,
        [
            str(tsc),
            "--strict",
            "--noEmit",
            "--target",
            "es2020",
            "--module",
            "commonjs",
            str(tmp_path / "check.ts"),
        ],
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # And a body that breaks the types is refused, so the check above could fail.
    (tmp_path / "wrong.ts").write_text(
        'import type { components } from "./api";\n'
        'const volume: components["schemas"]["VolumeResponse"] = '
        f"{json.dumps({**plain, 'days': 'seven'})};\n"
        "export { volume };\n"
    )
    wrong = await asyncio.to_thread(
        _run, [str(tsc), "--strict", "--noEmit", str(tmp_path / "wrong.ts")]
    )
    assert wrong.returncode != 0
    assert "error TS2322: Type 'string' is not assignable to type 'number'" in wrong.stdout
