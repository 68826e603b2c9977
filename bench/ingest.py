"""Import speed: generated CSV and Parquet files of N events, each imported into a fresh database.

`run([10_000_000])` prints rows/s end to end (reading, checks, event ids, dedupe, sessions, users,
writing, rollups), the time of each stage and the load average around each import (other work on the
machine slows it). The files look like a product's event export: about 500 events per user in sessions
of ten events over a year, in time order, without event or session ids.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import duckdb

from analytics.db import Database
from analytics.ingest import import_files
from analytics.viewer import SYSTEM
from config.settings import Settings

EVENTS_PER_USER = 500
EVENTS_PER_SESSION = 10
YEAR_S = 365 * 24 * 3600


def _mix(expression: str, salt: int) -> str:
    """A stable pseudo-random number in [0, 2^32) from an integer expression (Knuth's multiplicative hash)."""
    return f"((({expression}) * 2654435761 + {salt}) % 4294967296)"


def write_events(directory: Path, events: int) -> tuple[Path, Path]:
    """Write `events` generated events as events.csv and events.parquet (DuckDB writes; Python holds none)."""
    users = max(1, events // EVENTS_PER_USER)
    session = f"(i // {EVENTS_PER_SESSION})"
    generated = f"""
        SELECT
            'user-' || lpad(CAST({_mix(session, 1)} % {users} AS VARCHAR), 7, '0') AS user_id,
            TIMESTAMP '2024-01-01' + to_seconds(CAST({_mix(session, 2)} % {YEAR_S} AS BIGINT))
                + to_seconds(CAST((i % {EVENTS_PER_SESSION}) * 45 + {_mix("i", 3)} % 30 AS BIGINT)) AS timestamp,
            ['login', 'lesson', 'exercise', 'exercise', 'feature_use', 'lesson', 'exercise', 'logout']
                [1 + CAST({_mix("i", 4)} % 8 AS INTEGER)] AS activity_type,
            '{{"duration_s": ' || CAST({_mix("i", 5)} % 600 AS VARCHAR)
                || ', "feature": "f' || CAST({_mix("i", 6)} % 20 AS VARCHAR)
                || '", "score": ' || CAST({_mix("i", 7)} % 100 AS VARCHAR) || '}}' AS properties
        FROM range({int(events)}) AS t(i)
        ORDER BY timestamp
    """
    csv_path, parquet_path = directory / "events.csv", directory / "events.parquet"
    connection = duckdb.connect()
    try:
        connection.execute("SET enable_progress_bar = false")
        connection.execute(f"CREATE TEMP TABLE generated AS {generated}")
        connection.execute("COPY generated TO ? (FORMAT parquet)", [str(parquet_path)])
        connection.execute(
            "COPY (SELECT * REPLACE (strftime(timestamp, '%Y-%m-%dT%H:%M:%SZ') AS timestamp) FROM generated) "
            "TO ? (HEADER)",
            [str(csv_path)],
        )
    finally:
        connection.close()
    return csv_path, parquet_path


def import_once(path: Path, directory: Path) -> float:
    """Import `path` into a fresh database, printing each stage; rows per second end to end."""
    db = Database(directory / f"{path.suffix[1:]}.duckdb")
    started = time.perf_counter()

    def stage(message: str) -> None:
        print(f"    {time.perf_counter() - started:6.1f} s  {message}", flush=True)

    try:
        summary = import_files(db, SYSTEM, [path], settings=Settings(), progress=stage)
    finally:
        db.close()
    print(f"    {summary}")
    return summary.rows_per_s


def run(sizes: list[int]) -> None:
    """For each size, generate CSV and Parquet files and print the import speed of each."""
    for events in sizes:
        with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
            directory = Path(folder)
            print(f"ingest: generating {events:,} events...", flush=True)
            csv_path, parquet_path = write_events(directory, events)
            for path in (parquet_path, csv_path):
                print(f"  {path.suffix[1:]} ({path.stat().st_size / 1e6:,.0f} MB):", flush=True)
                load_before = os.getloadavg()[0]
                rate = import_once(path, directory)
                print(
                    f"  {path.suffix[1:]}: {rate:,.0f} events/s (load average {load_before:.2f} before, "
                    f"{os.getloadavg()[0]:.2f} after)",
                    flush=True,
                )
