"""CSV answers: parsed with the csv module and compared with the JSON body of the same request.

The rule (docs/metrics.md, "CSV and reused answers"): the rows are the body's list
where it has one, each item a row with its fields as columns; otherwise one row of every
top-level scalar. A cell is a number as JSON writes it, empty for null, `true`/`false` for a
boolean, a list's items joined with " | ", and text as is, with a `'` at the start of each piece a
reader can cut it into (the cell, and what follows each `,` `;` tab CR LF or `|` in it) that
begins with a tab or CR, or whose first visible character (past spaces, invisible ones and double
quotes, full-width forms read as ASCII) is = + - or @ (OWASP's rule). A cell longer than Excel's
32,767 characters is cut to that length, ending in a marker. The file starts with a UTF-8
byte-order mark, and a cell holding a comma, a quote, a line break or a semicolon is quoted.

The cells are stated by hand, value by value (VALUE_CELLS and TEXT_CELLS); the answers of the
endpoints are read back and compared with their JSON bodies.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from backend.app.api.csv_export import MAX_CELL_CHARACTERS, csv_body
from backend.app.models.categories import ToolShare, ToolUsage
from tests.fixture_rows import Row
from tests.support.apps import FakeClock, cached_app, running_app
from tests.support.databases import insert_rows, scratch_database
from tests.support.endpoints import ANALYTICS_PATHS
from tests.support.sql_log import recording
from tests.support.windows import SETTLED, USER_WINDOW, pool_q, pool_u

CSV = "text/csv; charset=utf-8"
Q = pool_q()
LISTS = ("daily", "categories", "tools", "segments", "clusters")
HOSTILE = '=SUM(A1:A2), "quoted"\nnaïve Größe'
BOM = "\ufeff".encode()


def _params(path: str) -> dict[str, str]:
    # Pain points have their texts in window Q; every other KPI has its users in window U.
    return dict(Q) if path.endswith("pain-points") else pool_u()


def _read_back(cell: str, like: Any) -> Any:
    """Return the JSON value a reader of the file gets from `cell`, read as the kind `like` is."""
    if like is None:
        return None if cell == "" else cell
    if isinstance(like, bool):
        return {"true": True, "false": False}.get(cell, cell)
    if isinstance(like, int | float):
        return json.loads(cell)
    if isinstance(like, list):
        return cell.split(" | ") if cell else []
    return cell


def _json_table(body: dict[str, Any]) -> list[list[Any]]:
    """Return the header and the rows of JSON values the rule lays out from a JSON body."""
    listed = [key for key in LISTS if key in body]
    if listed:
        items = body[listed[0]]
        header = list(items[0])
        return [header, *[[item[key] for key in header] for item in items]]
    header = [
        key
        for key, value in body.items()
        if key not in ("filters", "previous", "changes") and not isinstance(value, dict | list)
    ]
    return [header, [body[key] for key in header]]


def _parse(response: httpx.Response) -> list[list[str]]:
    assert response.headers["content-type"] == CSV
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("path", ANALYTICS_PATHS)
async def test_csv_holds_what_json_holds(client: httpx.AsyncClient, path: str) -> None:
    as_json = await client.get(path, params=_params(path))
    as_csv = await client.get(path, params={**_params(path), "format": "csv"})
    assert (as_json.status_code, as_csv.status_code) == (200, 200)
    table = _parse(as_csv)
    header, *rows = _json_table(as_json.json())
    assert table[0] == header
    assert [len(line) for line in table] == [len(header)] * (1 + len(rows))
    # No text in these answers begins a formula (hostile texts are the tests below): each cell
    # reads back as the JSON value in its place.
    assert [
        [_read_back(cell, value) for cell, value in zip(line, row, strict=True)]
        for line, row in zip(table[1:], rows, strict=True)
    ] == rows
    # Each window has something to show: not a header alone, and no nested structure leaked.
    assert len(table) >= 2
    assert not any(cell.startswith(("{", "[")) for row in table for cell in row)


async def test_one_row_bodies_keep_every_scalar(client: httpx.AsyncClient) -> None:
    table = _parse(await client.get("/analytics/returning-users", params=pool_u(format="csv")))
    # The objects most_active_user and longest_active_span are not scalars: no columns.
    assert "most_active_user" not in table[0]
    assert len(table) == 2


async def test_the_file_is_named_by_the_endpoint_and_the_local_dates(
    client: httpx.AsyncClient,
) -> None:
    by_dates = await client.get("/analytics/volume", params=pool_u(format="csv"))
    # 03:00 UTC is 22:00 the evening before in Chicago (CDT, UTC-5).
    by_instants = await client.get(
        "/analytics/pain-points",
        params={
            "start_date": "2025-08-01T03:00:00Z",
            "end_date": "2025-08-31T03:00:00Z",
            "product_context": "pool",
            "tz": "America/Chicago",
            "format": "csv",
        },
    )
    assert by_dates.headers["content-disposition"] == (
        f'attachment; filename="volume_{USER_WINDOW["start_date"]}_{USER_WINDOW["end_date"]}.csv"'
    )
    assert by_instants.headers["content-disposition"] == (
        'attachment; filename="pain-points_2025-07-31_2025-08-30.csv"'
    )


async def test_under_compare_the_csv_holds_the_current_window(client: httpx.AsyncClient) -> None:
    alone = await client.get("/analytics/volume", params=pool_u(format="csv"))
    compared = await client.get(
        "/analytics/volume", params=pool_u(format="csv", compare="previous_period")
    )
    assert compared.status_code == 200
    assert compared.content == alone.content


async def test_hostile_text_survives_the_round_trip(server_url: str) -> None:
    rows = [Row(datetime(2025, 9, 3, 12), "h", "h1", input=HOSTILE)]

    async def fill(connection: asyncpg.Connection) -> None:
        await insert_rows(connection, "interaction_log", rows)

    async with (
        scratch_database(server_url, "csv_text", fill) as url,
        running_app(url) as (_, client),
    ):
        as_json = (await client.get("/analytics/pain-points", params=Q)).json()
        table = _parse(await client.get("/analytics/pain-points", params={**Q, "format": "csv"}))
    [example] = [e for cluster in as_json["clusters"] for e in cluster["examples"]]
    column = table[0].index("examples")
    cells = [row[column] for row in table[1:] if row[column]]
    # The example is the text as asked. Commas, quotes, the newline and the letters come back as
    # they were; the leading = is defused with a quote.
    assert example == HOSTILE
    assert cells == ["'" + HOSTILE]


class _Row(BaseModel):
    """A row of two columns: a JSON value, and a mark after it (so that an empty cell shows)."""

    value: Any
    after: str = "end"


class _Rows(BaseModel):
    """A body whose list, `rows`, is the rows of its CSV."""

    rows: list[_Row]


# Values of every kind a body holds, and the cell each must become, worked out by hand from the
# rule above. Texts that begin a formula, or seem to, are TEXT_CELLS below.
VALUE_CELLS: list[tuple[Any, str]] = [
    (None, ""),
    (True, "true"),
    (False, "false"),
    (0, "0"),
    (7, "7"),
    (24.0, "24.0"),
    (33.33, "33.33"),
    # A negative number is a number: never defused.
    (-1, "-1"),
    (-0.5, "-0.5"),
    ("", ""),
    ("2025-06-01", "2025-06-01"),
    ("Pump & motor", "Pump & motor"),
    # A list's items joined with " | ", each item defused on its own: one that lands inside the
    # cell becomes a cell's start when a spreadsheet splits the text on "|" (text to columns).
    ([], ""),
    (["pump", "filter"], "pump | filter"),
    (["=1+1", "pump"], "'=1+1 | pump"),
    (["pump", "=1+1"], "pump | '=1+1"),
    # An item holding | or another separator: each of its own pieces is defused too.
    (["pump|=1+2", "a;-1"], "pump|'=1+2 | a;'-1"),
    (["pump | filter", "a, b"], "pump | filter | a, b"),
    # Quoted in the file, read back whole.
    ("a,b", "a,b"),
    ('say "hi"', 'say "hi"'),
    ("two\nlines", "two\nlines"),
    (HOSTILE, '\'=SUM(A1:A2), "quoted"\nnaïve Größe'),
]

# Texts, and the cell a spreadsheet must get from each (docs/metrics.md, "CSV and reused
# answers"): defused with a leading ' or left as it is. tests/test_csv_spreadsheet.py opens the
# same cells in LibreOffice.
TEXT_CELLS = [
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("plain", "plain"),
    # Past what a spreadsheet skips: spaces, a line break, no-break and zero-width spaces, a
    # word joiner, a byte-order mark, an ideographic space.
    (" =1+2", "' =1+2"),
    # The line break is a place a reader cuts the cell too: the piece after it is defused.
    ("\n=1+2", "'\n'=1+2"),
    ("\u00a0=1+2", "'\u00a0=1+2"),
    ("\u200b=1+2", "'\u200b=1+2"),
    ("\u2060\ufeff@A1", "'\u2060\ufeff@A1"),
    ("\u3000-1", "'\u3000-1"),
    # Full-width and small forms, which spreadsheets read as = + - @.
    ("\uff1d1+2", "'\uff1d1+2"),
    ("\ufe62A1", "'\ufe62A1"),
    ("\uff20A1", "'\uff20A1"),
    # A quote is skipped as well: a reader drops it where a piece starts inside a line.
    ('"=1+2"', '\'"=1+2"'),
    # Each piece a reader can cut the cell into, after , ; tab CR LF or |, is defused at its
    # start, right after the separator: Excel in a ; locale, a tab import, a reader that ends
    # the row at a line break, text to columns on |.
    ("abc;=1+2", "abc;'=1+2"),
    ("abc,=1+2", "abc,'=1+2"),
    ("abc\t=1+2", "abc\t'=1+2"),
    ("abc\n=1+2", "abc\n'=1+2"),
    ("abc\r=1+2", "abc\r'=1+2"),
    ("abc\r\n@A1", "abc\r\n'@A1"),
    ("abc|=1+2", "abc|'=1+2"),
    ("abc | -1", "abc |' -1"),
    ('abc;"=1+2"', 'abc;\'"=1+2"'),
    ("abc; \u00a0\u200b+1", "abc;' \u00a0\u200b+1"),
    ("abc;\uff1d1+2", "abc;'\uff1d1+2"),
    # Every piece, also one that a second separator begins: after ; the tab, after the tab =.
    ("abc;\t=1+2", "abc;'\t'=1+2"),
    ("=1;=2|=3", "'=1;'=2|'=3"),
    # A formula character inside a piece, a separator before anything else, is text as before.
    ("a - b", "a - b"),
    ("pH 7.2 - 7.6, chlorine +1; salt | ok", "pH 7.2 - 7.6, chlorine +1; salt | ok"),
    ("a;;,|", "a;;,|"),
    (
        "Replacement filter parts \u2013 maintenance needs",
        "Replacement filter parts \u2013 maintenance needs",
    ),
]

# The cases the rule was written for, and more: a formula after each separator, also when the
# cell is split on | (an example that itself holds |), past spaces, invisible characters, quotes
# and other separators; and a line that ends in a separator.
SPLIT_TEXTS = [
    "a;=1+2",
    "a\t=1+2",
    "a\n=1+2",
    "a\r\n=1+2",
    "a\r=1+2",
    "a,=1+2",
    "a|=1+2",
    "a | =1+2",
    "a;\t=1+2",
    "a; \t\n =1+2",
    'a;"=1+2"',
    'a;""=1+2',
    'a;" -1"',
    "a;\u00a0\u200b@A1",
    "a|\uff1d1+2",
    "a;\ufe62A1",
    "a,\t",
    "a;\r",
    "a;",
    "=1;+2,-3\t@4\n=5|=6",
    '=cmd|" /C calc"!A0',
    "a\0b;\0=1",
]


def tool_usage(texts: list[str]) -> ToolUsage:
    """Return a tool-usage body with a row per text, each of -1 sessions and -0.5 percent."""
    return ToolUsage(
        total_sessions=1, tools=[ToolShare(tool=text, sessions=-1, percent=-0.5) for text in texts]
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [*VALUE_CELLS, *TEXT_CELLS],
    ids=[repr(value) for value, _ in [*VALUE_CELLS, *TEXT_CELLS]],
)
def test_each_value_becomes_its_cell(value: Any, cell: str) -> None:
    body = csv_body(_Rows(rows=[_Row(value=value)]))
    assert body.startswith(BOM)
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert table == [["value", "after"], [cell, "end"]]


def test_every_formula_start_is_defused_and_nothing_else() -> None:
    body = csv_body(tool_usage([text for text, _ in TEXT_CELLS]))
    assert body.startswith(BOM)
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert table[0] == ["tool", "sessions", "percent"]
    assert [row[0] for row in table[1:]] == [cell for _, cell in TEXT_CELLS]
    # Numbers are numbers, never text: a negative one keeps its sign.
    assert {(row[1], row[2]) for row in table[1:]} == {("-1", "-0.5")}


def test_a_cell_with_a_separator_quote_line_break_or_semicolon_is_quoted() -> None:
    body = csv_body(tool_usage(["abc;=1+2", 'say "hi"', "a,b", "two\nlines", "plain"]))
    text = body.decode("utf-8-sig")
    assert text.split("\r\n") == [
        "tool,sessions,percent",
        '"abc;\'=1+2",-1,-0.5',
        '"say ""hi""",-1,-0.5',
        '"a,b",-1,-0.5',
        '"two\nlines",-1,-0.5',
        "plain,-1,-0.5",
        "",
    ]
    # Read as Excel reads it where ; separates cells: the quoted cell stays one, no formula.
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1] == ["abc;'=1+2,-1,-0.5"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # And where the quote does not start the field (a cell after the first), the piece after
    # the semicolon is a cell of its own: defused.
    line = csv_body(_Rows(rows=[_Row(value="abc;=1+2")])).decode("utf-8-sig").split("\r\n")[1]
    assert next(csv.reader([f"x,{line}"], delimiter=";")) == ['x,"abc', "'=1+2\",end"]


# Where a spreadsheet or an import cuts a line into cells: the file's comma, Excel's semicolon
# (the list separator of many locales, with which Excel opens a comma file there), an import's
# tab; each with quotes honoured, and by a reader that ignores them.
DELIMITERS = (",", ";", "\t")
# Every character at which a reader may cut a cell: those, line breaks, and | (text to columns).
ANY_SEPARATOR = re.compile(r"[,;\t\r\n|]")


def live(piece: str) -> bool:
    """Return whether a spreadsheet could read `piece` as a formula.

    OWASP's characters = + - @ first, or a tab, CR or NUL at the start (past the opening quotes
    a reader drops); a spreadsheet skips spaces, invisible characters and those quotes before
    the first, and reads full-width and small forms as ASCII. A piece that starts at a row's end
    (CR LF), as a reader sees it that takes the quote closing a row's last cell for one opening
    a field, is judged by the next row's start, which follows.
    """
    unquoted = piece.lstrip('"')
    if unquoted.startswith("\r\n"):
        return live(unquoted[2:])
    if unquoted.startswith(("\t", "\r", "\0")):
        return True
    for character in piece:
        if character == '"' or character.isspace() or unicodedata.category(character)[0] in "ZC":
            continue
        return unicodedata.normalize("NFKC", character)[:1] in "=+-@"
    return False


def readings(text: str) -> Iterator[tuple[str, list[str]]]:
    """Yield (how, cells) for every way of cutting the file `text` this module checks.

    Each row read with the csv module by each of DELIMITERS, honouring quotes and not, every
    cell also split on |; and the text cut at every separator whatsoever.
    """
    for delimiter in DELIMITERS:
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
            for row in reader:
                for cell in row:
                    yield f"{delimiter!r} quoting={quoting}", [cell, *cell.split("|")]
    yield "every separator", ANY_SEPARATOR.split(text)


def assert_no_live_piece(body: bytes) -> None:
    """Assert that no piece of any reading of the CSV `body` is a formula."""
    text = body.decode("utf-8-sig")
    for how, pieces in readings(text):
        for piece in pieces:
            assert not live(piece), (how, piece)
            assert not piece.lstrip().startswith(("=", "+", "-", "@")), (how, piece)


@pytest.mark.parametrize("text", [text for text, _ in TEXT_CELLS] + SPLIT_TEXTS)
def test_no_piece_is_a_formula_however_the_line_is_cut(text: str) -> None:
    # Alone in its cell, and as an example among others, in a cell after the first.
    body = csv_body(_Rows(rows=[_Row(value=text), _Row(value=["pump", text, text], after=text)]))
    assert_no_live_piece(body)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list(',;\t\r\n| "=+-@a1\u00a0\u200b\uff1d\0')), max_size=12
        ),
        min_size=1,
        max_size=3,
    )
)
def test_no_piece_is_a_formula_for_any_text(texts: list[str]) -> None:
    body = csv_body(_Rows(rows=[_Row(value=texts[0]), _Row(value=texts, after=texts[-1])]))
    assert_no_live_piece(body)
    # Read as written, every cell is the text with quotes added at piece starts, nothing else.
    [_, first, listed] = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert first[0].replace("'", "") == texts[0].replace("'", "")
    assert listed[0].replace("'", "") == " | ".join(texts).replace("'", "")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # Exactly the limit: as is.
        ("x" * MAX_CELL_CHARACTERS, "x" * MAX_CELL_CHARACTERS),
        # One more: cut, the marker at the end, in the limit.
        ("x" * (MAX_CELL_CHARACTERS + 1), "x" * 32_736 + "…[cut: 32768 characters in all]"),
        # A 200 KB query: its start, and how long it was.
        ("q" * 200_000, "q" * 32_735 + "…[cut: 200000 characters in all]"),
        # Excel counts UTF-16 code units: an emoji is two, and is never cut in half.
        ("\U0001f600" * 20_000, "\U0001f600" * 16_368 + "…[cut: 40000 characters in all]"),
        # The defused start stays, as do the quotes of the pieces before the cut.
        ("=1;=2 " + "y" * 40_000, "'=1;'=2 " + "y" * 32_728 + "…[cut: 40008 characters in all]"),
    ],
    ids=["limit", "limit+1", "200KB", "emoji", "defused"],
)
def test_a_cell_over_excels_limit_is_cut_with_a_marker(text: str, kept: str) -> None:
    body = csv_body(_Rows(rows=[_Row(value=text)]))
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert table == [["value", "after"], [kept, "end"]]
    assert len(kept.encode("utf-16-le")) // 2 <= MAX_CELL_CHARACTERS
    assert_no_live_piece(body)


def test_a_list_over_excels_limit_is_cut_as_one_cell() -> None:
    # Examples of 20,000 characters each: the joined cell is cut, not each example.
    body = csv_body(_Rows(rows=[_Row(value=["a" * 20_000, "=1" + "b" * 20_000])]))
    [_, [cell, after]] = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert after == "end"
    assert cell.startswith("a" * 20_000 + " | '=1b")
    assert cell.endswith("b…[cut: 40006 characters in all]")
    assert len(cell) == MAX_CELL_CHARACTERS


# PostgreSQL's text holds no NUL; examples are trimmed inputs.
STORED_TEXTS = [text for text in SPLIT_TEXTS if "\0" not in text and text.strip()]
LONG_QUERY = "How do I fix " + "q" * 200_000


async def test_the_pain_point_csv_has_no_formula_however_it_is_cut(server_url: str) -> None:
    # Each text on its own day, so that each is its day's only example; the 200 KB query too.
    first = datetime(2025, 9, 1, 12)
    texts = [*STORED_TEXTS, LONG_QUERY]
    rows = [
        Row(first + timedelta(days=day), "h", f"h{day}", input=text)
        for day, text in enumerate(texts)
    ]

    async def fill(connection: asyncpg.Connection) -> None:
        await insert_rows(connection, "interaction_log", rows)

    async with (
        scratch_database(server_url, "csv_split", fill) as url,
        running_app(url) as (_, client),
    ):
        for day, text in enumerate(texts):
            date = (first + timedelta(days=day)).date().isoformat()
            params = {"start_date": date, "end_date": date, "product_context": "pool"}
            as_json = (await client.get("/analytics/pain-points", params=params)).json()
            response = await client.get(
                "/analytics/pain-points", params={**params, "format": "csv"}
            )
            assert response.status_code == 200
            # The JSON example is the text whole; every reading of the CSV is free of formulas.
            assert [e for c in as_json["clusters"] for e in c["examples"]] == [text.strip()], day
            assert_no_live_piece(response.content)
            table = _parse(response)
            column = table[0].index("examples")
            [cell] = [row[column] for row in table[1:] if row[column]]
            if text is LONG_QUERY:
                # Cut to Excel's limit with the marker, and the rows after it are whole.
                assert len(cell) == MAX_CELL_CHARACTERS
                assert cell.startswith("How do I fix qqq")
                assert cell.endswith("q…[cut: 200013 characters in all]")
                assert [len(row) for row in table] == [len(table[0])] * len(table)
            else:
                assert cell.replace("'", "") == text.strip().replace("'", ""), day


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("text/csv", CSV),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/*", CSV),
        ("text/csv;q=0.5, application/json;q=0.9", "application/json"),
        ("application/json;q=0.5, text/csv", CSV),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
        ("text/csv;q=0, */*", "application/json"),
    ],
)
async def test_accept_chooses_when_format_is_absent(
    client: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = await client.get("/analytics/tool-usage", params=pool_u(), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == expected
    # The representation follows Accept, and its compression Accept-Encoding.
    assert response.headers["vary"] == "Accept, Accept-Encoding"


@pytest.mark.parametrize("format", ["json", "csv"])
async def test_format_overrides_accept(client: httpx.AsyncClient, format: str) -> None:
    other = "text/csv" if format == "json" else "application/json"
    response = await client.get(
        "/analytics/tool-usage", params=pool_u(format=format), headers={"Accept": other}
    )
    assert response.headers["content-type"] == (CSV if format == "csv" else "application/json")
    assert response.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/analytics/volume", pool_u(format="xml")),
        ("/analytics/volume", pool_u(format="CSV")),
        ("/analytics/overview", pool_u(format="csv")),
    ],
)
async def test_other_formats_are_a_422_naming_format(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params, headers={"Accept": "text/csv"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert [error["parameter"] for error in response.json()["errors"]] == ["format"]


@pytest.mark.parametrize("path", ["/analytics/overview", "/meta/filter-options"])
async def test_csv_asked_where_there_is_none_names_the_endpoints_that_answer_it(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, params=pool_u(format="csv"))
    assert response.status_code == 422
    answering = ", ".join(ANALYTICS_PATHS)
    assert response.json()["errors"][-1] == {
        "parameter": "format",
        "message": f"{path} has no CSV; these endpoints answer format=csv: {answering}",
    }


async def test_errors_stay_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/analytics/volume", params=pool_u(format="csv", tz="Nowhere"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert "tz" in response.json()["detail"]


async def test_the_overview_answers_json_whatever_accept_says(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/analytics/overview", params=pool_u(), headers={"Accept": "text/csv"}
    )
    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept-Encoding"


async def test_the_representation_is_in_the_cache_key(database_url: str) -> None:
    async with cached_app(database_url, FakeClock(SETTLED)) as (app, client):
        runs = []
        for params in (pool_u(), pool_u(format="csv"), pool_u(format="csv")):
            with recording(app) as log:
                response = await client.get("/analytics/volume", params=params)
            runs.append((response.headers["content-type"], len(log.statements)))
    assert runs == [("application/json", 1), (CSV, 1), (CSV, 0)]


async def test_swagger_documents_text_csv(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ANALYTICS_PATHS:
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", CSV}, path
        formats = [p for p in paths[path]["get"]["parameters"] if p["name"] == "format"]
        assert formats, path
    overview = paths["/analytics/overview"]["get"]
    assert set(overview["responses"]["200"]["content"]) == {"application/json"}
