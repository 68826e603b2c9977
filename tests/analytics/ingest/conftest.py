"""Fixtures of the ingest tests: files written to tmp_path, table snapshots, settings and viewers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from analytics import rollups
from analytics.db import Database, quote_ident
from analytics.viewer import Viewer
from config.settings import Settings

EVENTS_HEADER = "user_id,timestamp,activity_type,properties"


@pytest.fixture
def settings() -> Settings:
    """Defaults, whatever config/settings.toml says: UTC zones, 30-minute sessions, consent by default."""
    return Settings()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """`write("events.csv", text)` writes a file into tmp_path and returns its path."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write_file


@pytest.fixture
def analyst() -> Viewer:
    return Viewer.for_role("ann", "analyst")


@pytest.fixture
def member() -> Viewer:
    return Viewer.for_role("mia", "member", user_id="u1")


def table_counts(db: Database) -> dict[str, int]:
    """Row count of every table, to show that a refused import changed nothing."""
    names = [row[0] for row in db.rows("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")]
    return {name: db.scalar(f"SELECT count(*) FROM {quote_ident(name)}") for name in sorted(names)}


def events(db: Database) -> list[tuple]:
    """Stored events as (user_id, activity_type, timestamp, session_id, properties), in time order."""
    return db.rows(
        "SELECT user_id, activity_type, timestamp, session_id, CAST(properties AS VARCHAR) "
        "FROM events ORDER BY timestamp, user_id, activity_type"
    )


def assert_rollups_current(db: Database, zone: str = "UTC") -> None:
    """The stored rollups equal a full recomputation from events."""
    tables = ("user_daily", "user_daily_activity", "sessions")
    stored = {name: sorted(db.rows(f"SELECT * FROM {name}"), key=repr) for name in tables}
    with db.transaction() as cursor:
        rollups.rebuild_all(cursor, zone)
    rebuilt = {name: sorted(db.rows(f"SELECT * FROM {name}"), key=repr) for name in tables}
    assert stored == rebuilt
