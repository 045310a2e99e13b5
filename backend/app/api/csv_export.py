"""CSV bodies: the body's list as rows, or its scalars as one row; safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from backend.app.models.annotations import union_members
from backend.app.models.filters import AnalyticsFilters

# Never columns: the echo of the request, and the comparison (the CSV holds this window only).
_NOT_COLUMNS = frozenset({"filters", "previous", "changes"})
# OWASP's rule against CSV injection: a cell a spreadsheet would read as a formula gets a leading
# '. A tab, a carriage return or a NUL at the very start does; so does = + - or @ as the first
# character a spreadsheet sees, which may come after spaces, invisible characters or double
# quotes (it skips them) and may be a full-width or small form (U+FF1D, U+FE62), which it reads
# as the ASCII one (NFKC).
_FORMULA_CHARACTERS = frozenset("=+-@")
_CONTROL_STARTS = ("\t", "\r", "\0")
# Separators (spaces of every width), controls, and format characters such as U+200B.
_UNSEEN_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
# Where a reader may cut a cell into cells: at the comma (a reader that ignores quotes), the
# semicolon (Excel's separator in many locales: it opens a comma file with it, and then a quote
# inside a line starts no quoted field), the tab (an import's separator), a line break (CR or LF,
# where such a reader ends the row) and | (text to columns on the examples' " | "). The rule above
# holds for every piece: after each of these characters, as at the cell's start. CR LF is one
# line break: the ' goes after both (a reader cutting at CR alone sees LF, skipped, then ').
_PIECE_SEPARATORS = re.compile(r"(\r\n|[,;\t\r\n|])")
_UNSEEN_SEPARATORS = frozenset({"\t", "\r", "\n", "\r\n"})
# A cell holding one of these is quoted: the separator, the quote, a line break, and the
# semicolon, which is the separator of Excel in many locales (a;=1+2 would be two cells there).
_QUOTED_CHARACTERS = frozenset(',";\r\n')
# So that Excel reads the file as UTF-8 (an en dash, not â€“), whatever its locale.
BYTE_ORDER_MARK = "\ufeff"
LIST_SEPARATOR = " | "
# The most a cell of Excel holds, in its characters (UTF-16 code units: an emoji counts two).
# Excel carries what is beyond into the next rows, so a longer cell is cut to this length, its
# end replaced by CUT_MARKER, which names the length of the whole cell (counted the same way).
MAX_CELL_CHARACTERS = 32_767
CUT_MARKER = "…[cut: {length} characters in all]"


def _row_model(annotation: Any) -> type[BaseModel] | None:
    """Return the item model of a `list[Model]` field, or None for any other field."""
    if get_origin(annotation) is not list:
        return None
    [item] = get_args(annotation)
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _is_scalar(annotation: Any) -> bool:
    """Return whether a field holds one value (text, number, boolean, date), not a structure."""
    return all(
        get_origin(member) is None
        and not (isinstance(member, type) and issubclass(member, (BaseModel, dict, list)))
        for member in union_members(annotation)
    )


def _layout(model: type[BaseModel]) -> tuple[str | None, list[str]]:
    """Return the list field whose items are the rows (None: one row), and the columns."""
    fields = {name: f for name, f in model.model_fields.items() if name not in _NOT_COLUMNS}
    for name, field in fields.items():
        item = _row_model(field.annotation)
        if item is not None:
            return name, list(item.model_fields)
    return None, [name for name, field in fields.items() if _is_scalar(field.annotation)]


def _cell(value: Any) -> str:
    """Return a JSON-ready value as a cell: numbers as in JSON, null empty, text defused and cut."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        # Each item defused on its own: after " | ", an item starts a piece as well.
        text = LIST_SEPARATOR.join(
            _cell(item)
            if item is None or isinstance(item, bool | int | float)
            else defused(str(item))
            for item in value
        )
    else:
        text = defused(str(value))
    return cut(text)


def defused(text: str) -> str:
    """Return `text` with a leading ' on each piece a spreadsheet could read as a formula.

    The pieces are the text, and what follows each of the separators above (_PIECE_SEPARATORS):
    the ' goes at the piece's start, right after its separator. A text with no separator in it
    is treated as before, by its start alone.
    """
    parts = _PIECE_SEPARATORS.split(text)
    if len(parts) == 1:
        return f"'{text}" if starts_a_formula(text) else text
    # [piece, separator, piece, ..., piece], read from the end, so that `following` is the first
    # character a spreadsheet sees from the current position on (None: none it would see).
    following: str | None = None
    written: list[str] = []
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if index % 2:
            if part not in _UNSEEN_SEPARATORS:
                following = part
            written.append(part)
            continue
        following = _first_seen(part) or following
        # The piece's first character past the quotes a reader may drop (its separator's, when
        # there is none), for the control characters that start a formula.
        first = (part.lstrip('"') or (parts[index + 1] if index + 1 < len(parts) else ""))[:1]
        live = first in _CONTROL_STARTS or (
            following is not None
            and unicodedata.normalize("NFKC", following)[:1] in _FORMULA_CHARACTERS
        )
        written.append(f"'{part}" if live else part)
    return "".join(reversed(written))


def _first_seen(text: str) -> str | None:
    """Return the first character of `text` a spreadsheet does not skip, or None.

    Double quotes are skipped too: where a piece starts inside a line, a reader takes a quote
    there as the start of a quoted field (and its "" as one quote), and drops it.
    """
    for character in text:
        if (
            character == '"'
            or character.isspace()
            or unicodedata.category(character) in _UNSEEN_CATEGORIES
        ):
            continue
        return character
    return None


def starts_a_formula(text: str) -> bool:
    """Return whether a spreadsheet could read `text` as a formula (OWASP's rule, see above)."""
    if text.lstrip('"').startswith(_CONTROL_STARTS):
        return True
    first = _first_seen(text)
    return first is not None and unicodedata.normalize("NFKC", first)[:1] in _FORMULA_CHARACTERS


def _excel_length(text: str) -> int:
    """Return the length of `text` as Excel counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut(text: str) -> str:
    """Return `text`, or, over MAX_CELL_CHARACTERS, its start and CUT_MARKER in that length.

    The cut falls between two characters (never inside a surrogate pair). Every piece before it
    stays as defused; the marker starts with no formula character and holds no separator, so the
    piece it ends is safe too.
    """
    # Cheap for every ordinary cell: no code point is more than two UTF-16 code units.
    if 2 * len(text) <= MAX_CELL_CHARACTERS or _excel_length(text) <= MAX_CELL_CHARACTERS:
        return text
    marker = CUT_MARKER.format(length=_excel_length(text))
    kept = (MAX_CELL_CHARACTERS - _excel_length(marker)) * 2
    start = text.encode("utf-16-le", "surrogatepass")[:kept].decode("utf-16-le", "ignore")
    return start + marker


def _quoted(cell: str) -> str:
    """Return `cell` as RFC 4180 writes it, quoted also when it holds a semicolon."""
    if _QUOTED_CHARACTERS.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'


def _written(table: Iterable[Sequence[str]]) -> bytes:
    """Return rows of cells as UTF-8 CSV with a byte-order mark, each cell quoted as needed."""
    lines = "".join(",".join(_quoted(cell) for cell in line) + "\r\n" for line in table)
    return (BYTE_ORDER_MARK + lines).encode()


def csv_body(body: BaseModel) -> bytes:
    """Return `body` as UTF-8 CSV with a byte-order mark and a header row."""
    rows_field, columns = _layout(type(body))
    data = body.model_dump(mode="json")
    rows = data[rows_field] if rows_field is not None else [data]
    return _written([columns, *([_cell(row[column]) for column in columns] for row in rows)])


def is_csv_of(model: type[BaseModel], body: bytes) -> bool:
    """Return whether `body` is CSV as `csv_body` writes a `model`: its header row, rows as wide,
    every cell defused, and the bytes exactly as written (quoting and line ends included)."""
    try:
        text = body.decode()
        rows = list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return False
    columns = _layout(model)[1]
    return (
        bool(rows)
        and rows[0] == columns
        and all(len(row) == len(columns) for row in rows)
        and all(_cell(cell) == cell for row in rows[1:] for cell in row)
        and _written(rows) == body
    )


def csv_filename(endpoint: str, filters: AnalyticsFilters) -> str:
    """Return `<endpoint>_<first local date>_<last local date>.csv` for the window."""
    calendar = filters.calendar()
    return f"{endpoint}_{calendar.first_day.isoformat()}_{calendar.last_day.isoformat()}.csv"
