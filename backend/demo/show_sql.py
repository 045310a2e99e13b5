"""Print the SQL a KPI sends to PostgreSQL, as asyncpg receives it, without and with `compare`.

    make sql KPI=sessions                  # pool, the last 30 days up to today (UTC)
    make sql KPI=pain_points PRODUCT=landscape
    make sql KPI=overview                  # every KPI: one statement per grain, shared
    make sql KPI=volume LITERAL=1          # values written in, to paste into `make psql`

Each statement is compiled by the service's own dialect with `$n` placeholders, its values listed
under it. Nothing connects to a database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from backend.app.analytics.grains import Grain, GrainStatement
from backend.app.analytics.kinds import Kpi
from backend.app.analytics.registry import KPIS
from backend.app.analytics.runner import statements
from backend.app.analytics.window import Window
from backend.app.db.expressions import AnySelect
from backend.app.db.tables import table_for
from backend.app.db.text_queries import raw_text_rows, rows_at
from backend.app.models.filters import AnalyticsFilters, ProductContext

# The service's dialect (asyncpg); the URL only names it, nothing connects.
DIALECT = create_async_engine("postgresql+asyncpg://compile-only/db").sync_engine.dialect
OVERVIEW = "overview"
# "The last 30 days": 30 local dates, today the last.
WINDOW_DATES = 30
# A list value (volume's day bounds) is shown by its length and ends beyond this many items.
SHOWN_ITEMS = 4


def chosen_kpis(name: str) -> Sequence[Kpi]:
    """Return the KPIs `name` asks for: one by its name or path, or all of them for the overview."""
    wanted = name.strip().lower().replace("-", "_")
    if wanted == OVERVIEW:
        return KPIS
    for kpi in KPIS:
        if kpi.name == wanted:
            return [kpi]
    raise ValueError(f"no KPI is named {name!r}: {', '.join(kpi_names())}")


def kpi_names() -> list[str]:
    """Return every name `make sql KPI=` takes."""
    return [OVERVIEW, *(kpi.name for kpi in KPIS)]


def last_days(today: date, product: ProductContext) -> AnalyticsFilters:
    """Return the filters of the last WINDOW_DATES dates up to `today`, in UTC."""
    return AnalyticsFilters.model_validate(
        {
            "start_date": (today - timedelta(days=WINDOW_DATES - 1)).isoformat(),
            "end_date": today.isoformat(),
            "product_context": product,
        }
    )


def shown_value(value: Any) -> str:
    """Return a bound value as the listing shows it: text as an SQL literal, long lists cut."""
    if isinstance(value, list) and len(value) > SHOWN_ITEMS:
        ends = [*map(shown_value, value[:2]), "…", shown_value(value[-1])]
        return f"[{', '.join(ends)}] ({len(value)} values)"
    if isinstance(value, list):
        return f"[{', '.join(map(shown_value, value))}]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def sql_text(statement: AnySelect) -> str:
    """Return `statement` as the service's dialect compiles it, with placeholders."""
    return str(statement.compile(dialect=DIALECT))


def compiled(statement: AnySelect, *, literal: bool) -> str:
    """Return `statement` as sent, then its values as `-- $n = value` lines (unless `literal`)."""
    if literal:
        return f"{statement.compile(dialect=DIALECT, compile_kwargs={'literal_binds': True})};"
    sql = statement.compile(dialect=DIALECT)
    values = [
        f"-- ${number} = {shown_value(sql.params[name])}"
        for number, name in enumerate(sql.positiontup or (), start=1)
    ]
    return "\n".join([f"{sql.string};", *values])


def grain_paragraphs(
    grain: Grain, statement: GrainStatement, filters: AnalyticsFilters, *, literal: bool
) -> Iterator[str]:
    """Yield what one grain sends: its statement, or each read of the streamed texts."""
    select = statement.select
    if not statement.streamed:
        yield f"-- grain {grain.value}: one row of aggregates"
        yield compiled(select, literal=literal)
        return
    table = table_for(filters.product_context)
    yield (
        f"-- grain {grain.value}: rows streamed from a server-side cursor in one read-only "
        "snapshot. Without an LLM, the local rules first read every row's text:"
    )
    yield compiled(raw_text_rows(table=table, filters=filters), literal=literal)
    yield (
        "-- then the rows at the times of the texts shown as examples, for their every spelling "
        "(one time here, the window's start):"
    )
    at = rows_at(table=table, filters=filters, stamps=[filters.start_utc])
    yield compiled(at, literal=literal)
    yield "-- or, where texts repeat, this, one row per distinct text; with an LLM, this alone:"
    yield compiled(select, literal=literal)


def listing(
    kpis: Sequence[Kpi], filters: AnalyticsFilters, *, now: datetime, literal: bool
) -> Iterator[str]:
    """Yield the listing's paragraphs: each grain's statement without compare, then with it."""
    yield (
        f"-- {', '.join(kpi.name for kpi in kpis)} on {table_for(filters.product_context).name}, "
        f"{filters.start_date:%Y-%m-%d} to {filters.end_date:%Y-%m-%d} ({filters.tz}), "
        "as asyncpg receives it"
    )
    window = Window(filters, now)
    plain = statements(kpis, window)
    yield "-- Without compare: one statement per grain, all at once, each on its own connection."
    for grain, statement in plain.items():
        yield from grain_paragraphs(grain, statement, filters, literal=literal)
    yield (
        "-- With compare=previous_period: the same for the window, and again with the previous "
        "window's values; each KPI's statement also sums up the units behind the means it "
        "compares."
    )
    for grain, statement in statements(kpis, window, samples=True).items():
        if sql_text(statement.select) == sql_text(plain[grain].select):
            yield f"-- grain {grain.value}: as without compare"
        else:
            yield from grain_paragraphs(grain, statement, filters, literal=literal)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the listing of the KPI named on the command line."""
    parser = argparse.ArgumentParser(
        prog="make sql",
        usage="make sql KPI=<name> [PRODUCT=landscape] [LITERAL=1]",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kpi", metavar="KPI", help=f"one of {', '.join(kpi_names())}")
    parser.add_argument("--product", type=ProductContext, default=ProductContext.POOL)
    parser.add_argument("--literal", action="store_true", help="write the values into the SQL")
    args = parser.parse_args(argv)
    try:
        kpis = chosen_kpis(args.kpi)
    except ValueError as error:
        parser.error(str(error))
    now = datetime.now(UTC)
    filters = last_days(now.date(), args.product)
    try:
        print("\n\n".join(listing(kpis, filters, now=now, literal=args.literal)), flush=True)
    except BrokenPipeError:
        # Piped into `head`, the reader stopped reading: no failure. Python's own flush of stdout
        # at exit would fail again, unless stdout goes nowhere (the recipe of Python's docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
