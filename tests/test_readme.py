"""Every `curl` line of the README and docs/, run as written on the demo data: they can be pasted.

Each line runs in bash (so `$(date -d '29 days ago' +%F)` is expanded as a reader's shell would)
with the README's address pointed at a live service on demo data ending now (`demo_server`), and
`-v` added so that the status and the request sent can be read. Each must answer 200, its
window and filters must hold sessions, and every line of output the page shows under it (the
`# ` lines, `…` standing for any text) must appear in what it printed. A line shown on two pages
runs once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# Every page a reader may paste a command from: the README and the pages of its docs map.
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
ADDRESS = "http://127.0.0.1:8000"


def curl_examples() -> list[tuple[str, list[str]]]:
    """Return each distinct `curl` line of the documents' shell blocks with the output shown."""
    examples: list[tuple[str, list[str]]] = []
    for document in DOCUMENTS:
        for example in document_examples(document):
            if example not in examples:
                examples.append(example)
    return examples


def document_examples(document: Path) -> list[tuple[str, list[str]]]:
    """Return each `curl` line of one document's shell blocks with the output lines under it."""
    examples: list[tuple[str, list[str]]] = []
    in_shell = False
    for line in document.read_text().splitlines():
        if line.startswith("```"):
            in_shell = line.strip() == "```sh" and not in_shell
            continue
        if not in_shell:
            continue
        if line.startswith("curl "):
            examples.append((line, []))
        elif line.startswith("# ") and examples and examples[-1][0]:
            examples[-1][1].append(line.removeprefix("# "))
        else:
            # Anything else ends what the previous curl line shows.
            examples.append(("", []))
    return [(command, shown) for command, shown in examples if command]


def shown_pattern(shown: str) -> re.Pattern[str]:
    """Return a pattern matching a shown line, `…` standing for any text on that line."""
    return re.compile(".*?".join(re.escape(part) for part in shown.split("…")), re.IGNORECASE)


def test_the_readme_has_curl_examples_that_show_output() -> None:
    assert len(document_examples(README)) >= 4
    examples = curl_examples()
    assert len(examples) >= 6
    assert all(ADDRESS in command for command, _ in examples)
    # None with a fixed date, which the demo data (the last 90 days) would soon not cover.
    assert not [command for command, _ in examples if re.search(r"\d{4}-\d{2}-\d{2}", command)]
    assert sum(bool(shown) for _, shown in examples) >= 5


# A window of the examples: from N days ago (GNU date) to today.
DAYS_AGO = re.compile(r"start_date=\$\(date -d '(\d+) days ago' \+%F\)&end_date=\$\(date \+%F\)")


def test_the_last_30_days_are_30_dates_and_a_week_7() -> None:
    windows = [DAYS_AGO.search(command) for command, _ in curl_examples()]
    assert all(windows)
    ago = [int(window[1]) for window in windows if window]
    # As a reader's shell computes them: the dates from the first to today, both included.
    for days in set(ago):
        first, today = subprocess.run(
            ["bash", "-c", f"date -d '{days} days ago' +%F; date +%F"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert (date.fromisoformat(today) - date.fromisoformat(first)).days + 1 in (30, 7)
    assert ago.count(29) >= 5


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_each_date_command_is_also_given_for_bsd_date(document: Path) -> None:
    text = document.read_text()
    for days in {int(found) for found in re.findall(r"date -d '(\d+) days ago'", text)}:
        assert f"-v-{days}d" in text, days


@pytest.mark.parametrize(
    ("command", "shown"), curl_examples(), ids=lambda value: str(value)[:60] or "no output"
)
def test_each_curl_line_works_on_the_demo_data(
    demo_server: str, tmp_path: Path, command: str, shown: list[str]
) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is not installed (apt-get install curl)")
    line = command.replace(ADDRESS, demo_server).replace("curl ", "curl -v ", 1)
    run = subprocess.run(
        ["bash", "-c", line],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    [status] = re.findall(r"^< HTTP/[\d.]+ (\d+)", run.stderr, re.MULTILINE)
    assert status == "200", run.stderr[-2000:]
    [target] = re.findall(r"^> GET (\S+) HTTP", run.stderr, re.MULTILINE)
    # The window and filters of that request hold sessions: the example shows real numbers.
    filters = {
        key: value
        for key, value in parse_qsl(urlsplit(target).query)
        if key not in ("format", "compare")
    }
    sessions = httpx.get(f"{demo_server}/analytics/sessions", params=filters).json()
    assert sessions["total_sessions"] > 0, filters
    # What the command itself prints: the -v added here writes to stderr only.
    for expected in shown:
        assert shown_pattern(expected).search(run.stdout), (expected, run.stdout[:3000])
