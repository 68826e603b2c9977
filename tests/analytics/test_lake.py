"""The Parquet lake: every analytic table written, events partitioned by day, rewrites of single days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from analytics.db import Database
from analytics.lake import LAKE_TABLES, lake_generation, write_lake


def _lake_rows(lake: Path, table: str) -> int:
    return duckdb.execute(f"SELECT count(*) FROM read_parquet('{lake}/{table}/**/*.parquet')").fetchall()[0][
        0
    ]


def test_lake_holds_every_analytic_table_with_events_by_day(seeded_db: Database, tmp_path: Path):
    lake = tmp_path / "lake"
    written = write_lake(seeded_db, lake)
    for table in LAKE_TABLES:
        assert written[table] == seeded_db.scalar(f"SELECT count(*) FROM {table}")
        assert _lake_rows(lake, table) == written[table]
    days = seeded_db.scalar("SELECT count(DISTINCT CAST(timestamp AS DATE)) FROM events")
    assert len(list((lake / "events").glob("day=*"))) == days
    same = duckdb.execute(
        f"SELECT count(*) FROM read_parquet('{lake}/events/day=2025-06-30/*.parquet')"
    ).fetchall()[0][0]
    assert same == seeded_db.scalar(
        "SELECT count(*) FROM events WHERE CAST(timestamp AS DATE) = '2025-06-30'"
    )
    assert lake_generation(lake) == 1


def test_rewriting_days_replaces_only_those_partitions(seeded_db: Database, tmp_path: Path):
    lake = tmp_path / "lake"
    write_lake(seeded_db, lake)
    before = _lake_rows(lake, "events")
    with seeded_db.transaction() as cursor:
        cursor.execute("DELETE FROM events WHERE CAST(timestamp AS DATE) = '2025-06-29'")
        cursor.execute("UPDATE events SET city = 'Rewritten' WHERE CAST(timestamp AS DATE) = '2025-06-30'")
    gone = before - seeded_db.scalar("SELECT count(*) FROM events")
    write_lake(seeded_db, lake, days=[date(2025, 6, 29), date(2025, 6, 30)])
    assert not (lake / "events" / "day=2025-06-29").exists()
    assert _lake_rows(lake, "events") == before - gone
    cities = duckdb.execute(
        f"SELECT DISTINCT city FROM read_parquet('{lake}/events/day=2025-06-30/*.parquet')"
    ).fetchall()
    assert cities == [("Rewritten",)]
    assert lake_generation(lake) == 2
    assert not [path.name for path in lake.iterdir() if path.name.startswith(".")]
