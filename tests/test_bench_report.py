"""Where `make bench` writes its report (a git-ignored file, unless asked to publish it), and how
it opens: what the console feels like, worked out from the run, and the glossary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.run import LOCAL_REPORT, PUBLISHED_REPORT, arguments, shown_command
from bench.summary import GLOSSARY, console_summary

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


def test_the_console_summary_is_worked_out_from_the_run() -> None:
    # Seconds as the run measures them; the endpoints are two made-up ones.
    report = {
        "rows": 1_000_000,
        "with": {
            7: {"a": 0.014, "b": 0.053, "overview": 0.077, "F": 0.011},
            365: {"overview": 1.749},
        },
        "cache": {"warm": 0.002},
        "compare": {"overview": 1.197, "overview_compare": 2.263},
        "free_text": {"365": {"overview": 7.43, "pain-points": 6.354}, "7": {"overview": 0.174}},
    }
    lines = console_summary(report, ["a", "b"])
    bullets = [line for line in lines if line.startswith("- ")]
    assert len(bullets) == 5
    assert "overview (every KPI at once) in 77 ms; a single KPI in 14 ms to 53 ms" in bullets[0]
    assert "the overview in 1.7 s" in bullets[1]
    assert "2 ms for the same year-long overview" in bullets[2]
    # 2.263 / 1.197 = 1.89.
    assert "1.9 times as long (2.3 s against 1.2 s" in bullets[3]
    assert "174 ms for a week, 7.4 s for a year" in bullets[4]
    assert "take 6.4 s" in bullets[4]
    assert "1,000,000 rows" in lines[2]


def test_the_published_report_opens_with_the_summary_and_the_glossary() -> None:
    page = PUBLISHED_REPORT.read_text()
    summary = page.split("## What the console feels like", 1)[1].split("\n## ", 1)[0]
    assert len([line for line in summary.splitlines() if line.startswith("- ")]) == 5
    assert page.index("## What the console feels like") < page.index("## Targets")
    assert GLOSSARY.read_text().strip() in page
    # Every abbreviation the targets use is explained.
    for word in ("| F, the floor |", "| T |", "| RSS |", "| p99 |", "| p99 / p50 |", "| cold |"):
        assert word in page, word
