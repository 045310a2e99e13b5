"""The service run as `make run` runs it: uvicorn in its own process, on a free local port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.private_redis import free_port

# The service as `make run` and the Dockerfile start it (tests/test_security_headers.py checks
# that they do), with no `server` header.
SERVE = [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--no-server-header"]


@contextmanager
def uvicorn_process(
    database_url: str, log_path: Path, **settings: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run the service under uvicorn on a free local port; yield the process and its base URL.

    A process still running on the way out is killed: a test that stops it stops it its own way.
    """
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, **settings}
    env.pop("ANTHROPIC_API_KEY", None)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"uvicorn did not answer /health within 30 s:\n{log_path.read_text()}")
            yield process, base
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@contextmanager
def uvicorn_server(database_url: str, log_dir: Path, **settings: str) -> Iterator[str]:
    """Run the service under uvicorn on a free local port; yield its base URL; stop it gently."""
    with uvicorn_process(database_url, log_dir / "uvicorn.log", **settings) as (process, base):
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
