"""Export speed: a generated events table of 10 million rows exported to CSV, plain and anonymised.

`run()` prints the time and rows/s of each export and how much the process's resident memory grew
during it (the export holds a chunk at a time, whatever its size; DuckDB's sort of the rows by time
takes memory of its own). The events look like a product's: 20,000 users, sessions of ten events,
JSON properties, IPv4 addresses.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.db import Database
from analytics.export import ExportRequest, export_dataset
from analytics.viewer import SYSTEM

EVENTS = 10_000_000
USERS = 20_000


def fill_events(db: Database, events: int) -> None:
    """Insert `events` generated events and their users (DuckDB generates them; Python holds none)."""
    with db.transaction() as cursor:
        cursor.execute(
            f"""INSERT INTO events
            SELECT
                'e' || i,
                'user-' || lpad(CAST(((i // 10) * 2654435761 % 4294967296) % {USERS} AS VARCHAR), 6, '0'),
                ['lesson', 'exercise', 'feature_use', 'session_start'][1 + CAST(i % 4 AS INTEGER)],
                TIMESTAMP '2024-01-01' + to_seconds(CAST(i * 3 AS BIGINT)),
                's' || (i // 10),
                CAST('{{"duration_s": ' || (i % 600) || ', "feature": "f' || (i % 20) || '"}}' AS JSON),
                '10.' || (i % 200) || '.' || (i % 256) || '.' || (i % 250),
                'Mozilla/5.0', 'DE', 'Berlin', TIMESTAMP '2025-01-01'
            FROM range({int(events)}) AS t(i)"""
        )
        cursor.execute(
            "INSERT INTO users (user_id, email) SELECT DISTINCT user_id, user_id || '@example.com' FROM events"
        )


def _resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096


@contextmanager
def peak_growth() -> Iterator[Callable[[], int]]:
    """Sample resident memory every 20 ms; the yielded function gives the peak growth in bytes."""
    before, peak = _resident_bytes(), [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _resident_bytes() - before)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lambda: peak[0]
    finally:
        done.set()
        sampler.join()


def run() -> None:
    """Generate 10M events, then time a plain and an anonymised CSV export of all of them."""
    with tempfile.TemporaryDirectory(prefix="pulse-bench-export-") as folder:
        directory = Path(folder)
        db = Database(directory / "export.duckdb")
        try:
            print(f"export: generating {EVENTS:,} events...", flush=True)
            fill_events(db, EVENTS)
            for anonymise in (False, True):
                path = directory / f"events{'-anonymised' if anonymise else ''}.csv"
                with peak_growth() as growth:
                    started = time.perf_counter()
                    result = export_dataset(db, SYSTEM, ExportRequest("events"), path, anonymise=anonymise)
                    seconds = time.perf_counter() - started
                label = "anonymised" if anonymise else "plain"
                print(
                    f"  csv {label}: {result.rows:,} rows, {result.size_bytes / 1e9:.2f} GB in {seconds:.1f} s "
                    f"({result.rows / seconds:,.0f} rows/s); memory grew by at most {growth() / 1e6:,.0f} MB",
                    flush=True,
                )
                path.unlink()
        finally:
            db.close()
