"""The documentation holds together: no dead link, every page on the docs map, every setting and
every variable of the tests described. The link checker is the one `make lint` runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.app.settings import Settings
from tools.check_links import anchors, dead_links, main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def _reasons(page: Path, root: Path) -> list[str]:
    return [f"{link.target}: {link.reason}" for link in dead_links(page, root)]


def test_a_dead_link_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "page.md").write_text("# Page\n\nSee [the guide](guide.md).\n")
    monkeypatch.chdir(tmp_path)
    assert main(["page.md"]) == 1
    assert "page.md:3: guide.md: no such file or folder" in capsys.readouterr().err
    (tmp_path / "guide.md").write_text("# Guide\n")
    assert main(["page.md"]) == 0


def test_an_anchor_must_name_a_heading(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(
        '# Guide\n\n## Set up: `make run`\n\n## Notes\n\n## Notes\n\n<a id="kept"></a>\n'
    )
    page = tmp_path / "page.md"
    page.write_text(
        "[a](guide.md#set-up-make-run) [b](guide.md#notes-1) [c](guide.md#kept) [d](#page)\n"
        "[e](guide.md#setup) [f](guide.md#notes-2) [g](#nowhere)\n\n# Page\n"
    )
    assert _reasons(page, tmp_path) == [
        "guide.md#setup: no heading makes the anchor #setup",
        "guide.md#notes-2: no heading makes the anchor #notes-2",
        "#nowhere: no heading makes the anchor #nowhere",
    ]


def test_a_link_may_not_leave_the_repository(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    repository.mkdir()
    (tmp_path / "shared.md").write_text("# Shared\n")
    page = repository / "page.md"
    page.write_text("[the contract](../shared.md)\n")
    assert _reasons(page, repository) == ["../shared.md: leaves the repository"]


def test_code_and_other_schemes_are_not_followed(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "`[a](gone.md)` [b](https://example.com/gone.md) <http://127.0.0.1:8000/docs>\n"
        "```sh\n[c](gone.md)\n```\n~~~\n[d](gone.md)\n~~~\n[e](gone.md)\n"
    )
    assert _reasons(page, tmp_path) == ["gone.md: no such file or folder"]


def test_anchors_are_made_as_github_makes_them() -> None:
    text = "# `/analytics/volume`\n## Is a change real? `test`, `p_value` and `significant`\n"
    assert anchors(text) == {"analyticsvolume", "is-a-change-real-test-p_value-and-significant"}


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda path: path.name)
def test_the_documentation_has_no_dead_link(page: Path) -> None:
    assert _reasons(page, ROOT) == []


def test_every_page_is_on_the_docs_map() -> None:
    docs_map = README.read_text().split("## Docs map", 1)[1]
    assert [page for page in DOCS if f"](docs/{page.name})" not in docs_map] == []


def test_every_setting_is_in_the_configuration_tables() -> None:
    # The tables of settings come before the notes and the variables that are no settings.
    tables = (ROOT / "docs/configuration.md").read_text().split("## Notes on some settings")[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \|", tables, re.M)
    assert sorted(rows) == sorted(name.upper() for name in Settings.model_fields)


def test_every_variable_the_tests_read_is_described() -> None:
    read = {
        name
        for path in (ROOT / "tests").glob("*.py")
        for name in re.findall(r"environ(?:\.get\(|\[)\"([A-Z_]+)\"", path.read_text())
    }
    rows = re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "docs/testing.md").read_text(), re.M)
    assert "TEST_DATABASE_URL" in read
    assert sorted(read - set(rows)) == []
