"""The Parquet data lake: Pulse's analytic tables as files both DuckDB and Spark read.

Layout under the lake folder: `events/day=YYYY-MM-DD/*.parquet` (partitioned by the event's UTC date),
and one folder each for `users`, `sessions`, `user_daily` and `user_daily_activity`. `_pulse_lake.json`
holds a generation number that moves on with every write, so engines know when to re-read.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from analytics.db import Database, quote_ident

LAKE_TABLES = ("events", "users", "sessions", "user_daily", "user_daily_activity")
MARKER = "_pulse_lake.json"


def lake_generation(folder: Path) -> int:
    """The lake's generation number (0 when nothing has been written yet)."""
    try:
        return int(json.loads((folder / MARKER).read_text())["generation"])
    except FileNotFoundError:
        return 0


def write_lake(db: Database, folder: Path, *, days: Iterable[date] | None = None) -> dict[str, int]:
    """Write the analytic tables to `folder`; with `days`, only those days' event partitions are rewritten.

    Each table is written to a temporary folder and moved into place, so a reader sees the old files or
    the new ones, never half. Returns the rows written per table.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cursor = db.cursor()
    cursor.execute("BEGIN TRANSACTION")  # one snapshot: every table as of the same moment
    try:
        written = {"events": _write_events(cursor, folder, None if days is None else sorted(set(days)))}
        for table in LAKE_TABLES[1:]:
            staging = folder / f".{table}.writing"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            copy = f"COPY {quote_ident(table)} TO '{staging / 'part-0.parquet'}' (FORMAT parquet)"
            written[table] = cursor.execute(copy).fetchall()[0][0]  # COPY answers the rows it wrote
            _replace(folder / table, staging)
    finally:
        cursor.execute("ROLLBACK")  # it only read; ending it so also works after a failed statement
    marker = {"generation": lake_generation(folder) + 1, "written_at": time.time(), "rows": written}
    (folder / f"{MARKER}.tmp").write_text(json.dumps(marker))
    (folder / f"{MARKER}.tmp").replace(folder / MARKER)
    return written


def _write_events(cursor: duckdb.DuckDBPyConnection, folder: Path, days: list[date] | None) -> int:
    """Write the events of `days` (all when None) as day partitions; returns the events written."""
    staging = folder / ".events.writing"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    where, params = (
        ("", []) if days is None else ("WHERE list_contains(?::DATE[], CAST(timestamp AS DATE))", [days])
    )
    count = cursor.execute(
        f"COPY (SELECT *, CAST(timestamp AS DATE) AS day FROM events {where}) TO '{staging}' "
        "(FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)",
        params,
    ).fetchall()[0][0]
    target = folder / "events"
    if days is None:
        _replace(target, staging)
        return count
    target.mkdir(exist_ok=True)
    for day in days:  # a day whose events are all gone (deleted by retention) keeps no partition
        partition = f"day={day.isoformat()}"
        if (staging / partition).exists():
            _replace(target / partition, staging / partition)
        else:
            shutil.rmtree(target / partition, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return count


def _replace(target: Path, fresh: Path) -> None:
    """Move `fresh` into `target`'s place (the old one is moved aside first, then removed)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
