"""Open psql on the embedded demo database, as `make run` creates and serves it.

    make psql                                            # interactive
    make psql ARGS="-c 'SELECT count(*) FROM interaction_log'"

The server is started (and the demo data loaded on a first start) unless it already runs; it is
stopped when psql ends, unless another process (`make run`, say) still uses it. The psql is the
embedded wheel's own, the server's version, so nothing else needs installing.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from backend.app.settings import Settings
from backend.demo.embedded import PSQL, start_demo_database


@contextmanager
def ctrl_c_left_to_the_child() -> Iterator[None]:
    """Keep Ctrl-C, which the terminal sends to psql and to this process, from ending this one.

    psql cancels the running statement on Ctrl-C and goes on; this process must go on waiting
    for it, then stop the server. A handler, not SIG_IGN: psql inherits an ignored signal.
    """

    def ignore(signum: int, frame: FrameType | None) -> None:
        pass

    previous = signal.signal(signal.SIGINT, ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_psql(arguments: Sequence[str]) -> int:
    """Run psql on the demo database with `arguments`; return its exit status."""
    demo = start_demo_database(Settings().embedded_data_dir)
    try:
        with ctrl_c_left_to_the_child():
            return subprocess.run([str(PSQL), demo.url, *arguments], check=False).returncode
    finally:
        demo.stop()


if __name__ == "__main__":
    sys.exit(run_psql(sys.argv[1:]))
