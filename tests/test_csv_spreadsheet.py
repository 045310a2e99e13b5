"""CSV answers opened by a real spreadsheet: LibreOffice Calc, headless, from Debian's packages.

`soffice --convert-to fods` imports the file as a user opening it would (comma-separated, UTF-8,
formulas evaluated: the setting that makes CSV injection possible) and writes the sheet as flat
OpenDocument XML, which says of every cell whether it is a formula, and what it shows. Skipped,
saying so, where LibreOffice is not installed (apt-get install libreoffice-calc-nogui).
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
import pytest

from backend.app.api.csv_export import csv_body
from backend.app.models.categories import ToolShare, ToolUsage
from backend.app.models.pain_points import PAIN_POINT_CLUSTERS
from tests.support.windows import pool_q
from tests.test_csv import SPLIT_TEXTS, TEXT_CELLS, tool_usage

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui): the CSV is "
    "checked with Python's csv reader only",
)
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
# LibreOffice's CSV import options: the separators (character codes, "/" between two), double
# quote, UTF-8, from line 1, no column formats, en-US, quoted fields not forced to text, ..., and
# token 13: evaluate formulas.
IMPORT = "CSV:{separators},34,76,1,,1033,false,false,false,false,false,-1,true"
COMMA = "44"


def spreadsheet(
    csv: bytes, directory: Path, separators: str = COMMA
) -> list[list[tuple[str, str | None, str | None]]]:
    """Return each row of `csv` as LibreOffice reads it: (shown text, value type, formula).

    `separators` are the field separators of the import, as LibreOffice's options give them.
    """
    source = directory / "answer.csv"
    source.write_bytes(csv)
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{directory / 'profile'}",
            f"--infilter={IMPORT.format(separators=separators)}",
            "--convert-to",
            "fods",
            "--outdir",
            str(directory),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    root = ElementTree.parse(directory / "answer.fods").getroot()
    rows = []
    for row in root.iter(f"{{{TABLE}}}table-row"):
        cells = [
            (
                "\n".join("".join(p.itertext()) for p in cell.iter(f"{{{TEXT}}}p")),
                cell.get(f"{{{OFFICE}}}value-type"),
                cell.get(f"{{{TABLE}}}formula"),
            )
            for cell in row.iter(f"{{{TABLE}}}table-cell")
        ]
        if any(text for text, _, _ in cells):
            rows.append(cells)
    return rows


def test_hostile_text_is_text_in_libreoffice(tmp_path: Path) -> None:
    rows = spreadsheet(csv_body(tool_usage([text for text, _ in TEXT_CELLS])), tmp_path)
    header = [("tool", "string", None), ("sessions", "string", None), ("percent", "string", None)]
    assert rows[0][:3] == header
    # No cell is a formula; every text cell is text, shown as written (tabs and line breaks
    # aside, which the sheet keeps as its own elements), with its leading ' where it got one.
    assert [formula for row in rows for _, _, formula in row] == [None] * sum(map(len, rows))
    for (text, kind, _), (_, written) in zip((row[0] for row in rows[1:]), TEXT_CELLS, strict=True):
        assert kind == "string", written
        if not any(control in written for control in "\t\r\n"):
            assert text == written
    # And numbers are numbers.
    assert {(row[1][1], row[2][1]) for row in rows[1:]} == {("float", "float")}


async def test_a_pain_point_answer_reads_right_in_libreoffice(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await client.get("/analytics/pain-points", params=pool_q(format="csv"))
    assert response.status_code == 200
    rows = spreadsheet(response.content, tmp_path)
    header = [text for text, _, _ in rows[0]]
    labels = [row[header.index("label")][0] for row in rows[1:]]
    # The en dashes of the cluster labels arrive as en dashes (UTF-8 with its byte-order mark).
    assert labels == list(PAIN_POINT_CLUSTERS)
    assert any("\u2013" in label for label in labels)
    assert not any(formula for row in rows for _, _, formula in row)


@pytest.mark.parametrize(
    "separators",
    # Excel's in a ; locale, an import's tab, text to columns on |, and all of them at once.
    ["59", "9", "124", "44/59/9/124"],
    ids=["semicolon", "tab", "bar", "all"],
)
def test_no_cell_is_a_formula_whatever_the_separator(tmp_path: Path, separators: str) -> None:
    # The hostile texts in the first column and in a later one, where a quote opens no field
    # once the line is cut at another separator.
    texts = [text for text, _ in TEXT_CELLS] + [text for text in SPLIT_TEXTS if "\0" not in text]
    body = ToolUsage(
        total_sessions=1,
        tools=[ToolShare(tool=text, sessions=1, percent=1.0) for text in texts]
        + [ToolShare(tool=f"x,{text}", sessions=1, percent=1.0) for text in texts],
    )
    rows = spreadsheet(csv_body(body), tmp_path, separators)
    assert len(rows) > len(texts)
    formulas = [text for row in rows for text, _, formula in row if formula is not None]
    assert formulas == []
