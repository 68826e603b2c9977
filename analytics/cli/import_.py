"""`import`: load CSV, Parquet or JSON Lines files of events or users, all or nothing.

Events need user_id, timestamp and activity_type; event_id, session_id, properties (a JSON object),
ip_address, user_agent, country and city are recognised, and any other column goes into properties.
Users need user_id; display_name, email, signup_at, plan, country, platform and consent_analytics are
recognised, and other columns go into attributes. Timestamps are ISO 8601 (naive ones are read in
--timezone) or epoch seconds/milliseconds (below 1e11 is seconds, below 1e14 milliseconds).
Re-importing a file adds nothing; any problem stores nothing and lists the first 20 problems.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime
from pathlib import Path

from analytics.cli import add_db_argument
from analytics.db import Database, open_database
from analytics.errors import AnalyticsError
from analytics.ingest import import_files
from analytics.lake import write_lake
from analytics.viewer import SYSTEM
from config.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help="import events or users from CSV, Parquet or JSON Lines files",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="files to import together, in one transaction"
    )
    parser.add_argument("--kind", choices=("events", "users"), required=True, help="what the files hold")
    parser.add_argument(
        "--format",
        dest="file_format",
        choices=("csv", "parquet", "jsonl"),
        help="default: from each file's extension",
    )
    parser.add_argument(
        "--map",
        dest="column_map",
        action="append",
        default=[],
        metavar="SOURCE=TARGET",
        help="rename an input column, e.g. --map uid=user_id (repeatable)",
    )
    parser.add_argument(
        "--timezone", metavar="TZ", help="IANA zone of naive timestamps (default: import_timezone)"
    )
    parser.add_argument(
        "--lake",
        metavar="DIR",
        help="also bring this Parquet lake up to date (the imported days' events, every other table)",
    )
    add_db_argument(parser)
    parser.set_defaults(handler=run)


def parse_map(entries: list[str]) -> dict[str, str]:
    """`["uid=user_id", ...]` as {"uid": "user_id"}; AnalyticsError for a malformed entry."""
    mapping: dict[str, str] = {}
    for entry in entries:
        source, sep, target = entry.partition("=")
        if not sep or not source or not target:
            raise AnalyticsError(f"--map takes SOURCE=TARGET, e.g. --map uid=user_id. Got {entry!r}.")
        if source in mapping:
            raise AnalyticsError(f"--map names the column {source!r} twice.")
        mapping[source] = target
    return mapping


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    column_map = parse_map(args.column_map)
    db = open_database(args.db, settings)
    newest_before = db.cursor().execute("SELECT max(ingested_at) FROM events").fetchall()[0][0]
    started = time.perf_counter()
    summary = import_files(
        db,
        SYSTEM,
        args.files,
        kind=args.kind,
        file_format=args.file_format,
        column_map=column_map,
        timezone=args.timezone,
        settings=settings,
        progress=lambda message: print(f"  {time.perf_counter() - started:7.1f} s  {message}", flush=True),
    )
    print(f"Imported {args.kind}: {summary}")
    if args.lake:
        days = ingested_days(db, newest_before)
        written = write_lake(db, Path(args.lake), days=days)
        print(f"Lake {args.lake}: {len(days)} days of events rewritten ({written['events']:,} events)")
    db.close()
    return 0


def ingested_days(db: Database, newest_before: datetime | None) -> list[date]:
    """UTC days of the events stored after `newest_before` (all days when it is None), read from the
    DuckDB file itself even when analytic reads go to Spark."""
    rows = db.cursor().execute(
        "SELECT DISTINCT CAST(timestamp AS DATE) FROM events WHERE ? IS NULL OR ingested_at > ?",
        [newest_before, newest_before],
    )
    return [day for (day,) in rows.fetchall()]
