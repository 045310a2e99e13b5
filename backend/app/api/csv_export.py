"""CSV bodies: the body's list as rows, or its scalars as one row; safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from backend.app.models.annotations import union_members
from backend.app.models.filters import AnalyticsFilters

# Never columns: the echo of the request, and the comparison (the CSV holds this window only).
_NOT_COLUMNS = frozenset({"filters", "previous", "changes"})
# OWASP's rule against CSV injection: a cell a spreadsheet would read as a formula gets a leading
# '. A tab or a carriage return at the very start does; so does = + - or @ as the first character
# a spreadsheet sees, which may come after spaces or invisible characters (it skips them) and may
# be a full-width or small form (U+FF1D, U+FE62), which it reads as the ASCII one (NFKC).
_FORMULA_CHARACTERS = frozenset("=+-@")
_CONTROL_STARTS = ("\t", "\r")
# Separators (spaces of every width), controls, and format characters such as U+200B.
_UNSEEN_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
# A cell holding one of these is quoted: the separator, the quote, a line break, and the
# semicolon, which is the separator of Excel in many locales (a;=1+2 would be two cells there).
_QUOTED_CHARACTERS = frozenset(',";\r\n')
# So that Excel reads the file as UTF-8 (an en dash, not â€“), whatever its locale.
BYTE_ORDER_MARK = "\ufeff"
LIST_SEPARATOR = " | "


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
    """Return a JSON-ready value as a cell: numbers as in JSON, null empty, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(_cell(item) for item in value)
    text = str(value)
    # A leading quote makes the spreadsheet show the text instead of running it as a formula.
    return f"'{text}" if starts_a_formula(text) else text


def starts_a_formula(text: str) -> bool:
    """Return whether a spreadsheet could read `text` as a formula (OWASP's rule, see above)."""
    if text.startswith(_CONTROL_STARTS):
        return True
    for character in text:
        if character.isspace() or unicodedata.category(character) in _UNSEEN_CATEGORIES:
            continue
        return unicodedata.normalize("NFKC", character)[:1] in _FORMULA_CHARACTERS
    return False


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
