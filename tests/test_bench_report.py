"""Where `make bench` writes its report: a git-ignored file, unless asked to publish it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.run import LOCAL_REPORT, PUBLISHED_REPORT, arguments, shown_command

ROOT = Path(__file__).resolve().parents[1]


def _git(*words: str) -> int:
    return subprocess.run(["git", *words], cwd=ROOT, capture_output=True, check=False).returncode


def _bench_command(*variables: str) -> str:
    """Return the command `make bench` would run with `variables`, without running it."""
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "bench", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    [command] = [line for line in dry.stdout.splitlines() if "bench.run" in line]
    return command


def test_a_local_run_writes_a_file_git_ignores() -> None:
    assert arguments([]).output == LOCAL_REPORT
    assert _git("check-ignore", "--quiet", str(LOCAL_REPORT.relative_to(ROOT))) == 0
    assert "--publish" not in _bench_command()


def test_publishing_writes_the_tracked_report() -> None:
    assert arguments(["--publish", "--rows", "1000"]).output == PUBLISHED_REPORT
    assert _git("ls-files", "--error-unmatch", str(PUBLISHED_REPORT.relative_to(ROOT))) == 0
    assert _bench_command("PUBLISH=1", "BENCH_ARGS=--reps 3").split()[-3:] == [
        "--publish",
        "--reps",
        "3",
    ]


def test_another_file_may_be_named_but_not_with_publish(tmp_path: Path) -> None:
    assert arguments(["--output", str(tmp_path / "r.md")]).output == tmp_path / "r.md"
    with pytest.raises(SystemExit):
        arguments(["--publish", "--output", str(tmp_path / "r.md")])


def test_the_published_report_names_the_command_that_wrote_it() -> None:
    assert shown_command(["--publish", "--rows", "100000"]) == (
        'make bench PUBLISH=1 BENCH_ARGS="--rows 100000"'
    )
    assert shown_command([]) == "make bench"
