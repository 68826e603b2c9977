"""`lake`: write the analytic tables to the Parquet data lake that Spark (and DuckDB) read.

Events are partitioned by UTC day (`events/day=YYYY-MM-DD/`), the other analytic tables are one folder
each; docs/scale.md explains deploying with Spark. `import --lake DIR` keeps a lake current after each
import by rewriting only the days the import touched.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.lake import write_lake
from config.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "lake",
        help="write the analytic tables to the Parquet data lake Spark reads",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--lake", metavar="DIR", help="the lake folder (default: lake= of a spark:// backend_url)"
    )
    add_db_argument(parser)
    parser.set_defaults(handler=run)


def lake_folder(chosen: str | None) -> Path:
    """The lake folder named by --lake, or by the configured Spark backend."""
    if chosen:
        return Path(chosen)
    backend = load_settings().spark_backend
    if backend is None:
        raise AnalyticsError("Name the lake folder with --lake DIR (backend_url is not a spark:// URL).")
    return backend.lake


def run(args: argparse.Namespace) -> int:
    folder = lake_folder(args.lake)
    db = open_database(args.db)
    started = time.perf_counter()
    try:
        written = write_lake(db, folder)
    finally:
        db.close()
    rows = ", ".join(f"{table} {count:,}" for table, count in written.items())
    print(f"Wrote the lake {folder}: {rows} rows in {time.perf_counter() - started:.1f} s")
    return 0
