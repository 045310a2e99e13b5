"""Load N realistic rows per product into a database of choice, for benchmarks and evaluation.

    python -m backend.demo.volume --rows 1000000 --days 365
    python -m backend.demo.volume --rows 100000 --database-url postgresql://user@host/db --replace
    python -m backend.demo.volume --free-text --database heritage_bench_free

Without --database-url it uses an embedded PostgreSQL under --data-dir. It writes: point it only
at a database made for the purpose.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

import asyncpg

from backend.demo.embedded import apply_schema, create_database, fill, is_empty, start_server
from backend.demo.generator import PRODUCTS

SEEDS = {"pool": 0.31, "landscape": 0.73}


async def load(
    url: str,
    *,
    rows: int,
    days: int,
    products: list[str],
    replace: bool,
    end: datetime,
    free_text: bool = False,
) -> None:
    """Create the schema at `url` and load `rows` rows per product over `days` days to `end`.

    With `free_text`, nearly every query text is distinct, as in real chat logs.
    """
    connection = await asyncpg.connect(url)
    try:
        await apply_schema(connection)
        for product in products:
            table = PRODUCTS[product][0]
            if not await is_empty(connection, table):
                if not replace:
                    raise SystemExit(f"{table} is not empty; pass --replace to empty it first")
                await connection.execute(f"TRUNCATE {table} RESTART IDENTITY")
            inserted, seconds = await fill(
                connection,
                product,
                rows=rows,
                days=days,
                end=end,
                seed=SEEDS[product],
                rich_text=True,
                free_text=free_text,
            )
            size = await connection.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size($1::regclass))", table
            )
            print(f"{table}: {inserted:,} rows in {seconds:.1f} s (with VACUUM ANALYZE), {size}")
    finally:
        await connection.close()


def main() -> None:
    """Parse the command line and load the rows."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per product")
    parser.add_argument("--days", type=int, default=365, help="days of traffic, ending now")
    parser.add_argument("--product", choices=["pool", "landscape", "both"], default="both")
    parser.add_argument("--database-url", help="target database (default: embedded)")
    parser.add_argument("--data-dir", default=".pgdata-bench", help="embedded PostgreSQL files")
    parser.add_argument("--database", default="heritage_bench", help="embedded database name")
    parser.add_argument("--replace", action="store_true", help="empty non-empty tables first")
    parser.add_argument("--free-text", action="store_true", help="nearly every query text distinct")
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        server = start_server(args.data_dir)
        asyncio.run(create_database(server.get_uri("postgres"), args.database))
        url = server.get_uri(args.database)
    products = ["pool", "landscape"] if args.product == "both" else [args.product]
    asyncio.run(
        load(
            url,
            rows=args.rows,
            days=args.days,
            products=products,
            replace=args.replace,
            end=datetime.now(UTC),
            free_text=args.free_text,
        )
    )


if __name__ == "__main__":
    main()
