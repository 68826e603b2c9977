"""Pulse's own health: is the database reachable, how fresh is the data, how fast are queries."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics import __version__
from analytics.db import Database, quote_ident
from analytics.migrations import current_version
from analytics.viewer import Viewer
from config.permissions import Permission

PROCESS_STARTED_AT = time.time()


@dataclass(frozen=True)
class HealthReport:
    """What the health page and GET /analytics/health show. `details` only for VIEW_ANALYTICS_HEALTH."""

    status: str
    app_version: str
    schema_version: int
    uptime_s: float
    newest_event_at: datetime | None
    freshness_s: float | None
    details: dict[str, Any] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def table_row_counts(db: Database) -> dict[str, int]:
    """Rows in every base table of the database, by name."""
    cursor = db.cursor()  # the file's own tables, even when analytic reads go to another engine
    names = [
        row[0]
        for row in cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY table_name"
        ).fetchall()
    ]
    return {
        name: cursor.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchall()[0][0] for name in names
    }


def analytic_engine(db: Database) -> str:
    """Which engine answers analytic reads, in words."""
    return "DuckDB (this database file)" if db.engine is None else db.engine.describe()


def health_report(db: Database, viewer: Viewer | None) -> HealthReport:
    """Status for anyone (liveness); path, size, row counts and query times only for permitted viewers."""
    # Read from the file itself, so a liveness check on the Spark backend starts no JVM.
    newest = db.cursor().execute("SELECT max(timestamp) FROM events").fetchall()[0][0]
    now = datetime.now(UTC).replace(tzinfo=None)
    details = None
    if viewer is not None and viewer.can(Permission.VIEW_ANALYTICS_HEALTH):
        wal = db.path.with_name(db.path.name + ".wal")
        details = {
            "database_path": str(db.path),
            "database_bytes": db.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
            "row_counts": table_row_counts(db),
            "query_times": db.query_time_percentiles(),
            "data_version": db.data_version,
            "analytic_engine": analytic_engine(db),
        }
    return HealthReport(
        status="ok",
        app_version=__version__,
        schema_version=current_version(db.connection),
        uptime_s=round(time.time() - PROCESS_STARTED_AT, 1),
        newest_event_at=newest,
        freshness_s=round((now - newest).total_seconds(), 1) if newest else None,
        details=details,
    )
