"""The retention policy: delete events older than a cutoff and rebuild the rollups they fed.

Only events go; users, predictions and recommendations stay. Sessions and daily rollups are
recomputed for the users, days and sessions the deleted events touched, so a day or session left
with no events disappears and one that straddles the cutoff keeps only its remaining events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from analytics import audit, rollups
from analytics.db import Database
from analytics.errors import ValidationError
from analytics.viewer import SYSTEM
from config.settings import load_settings

RETIRED_TABLE = "_retired_events"


@dataclass(frozen=True)
class RetentionReport:
    """Events older than `cutoff` (naive UTC) that were deleted, or would be on a dry run."""

    cutoff: datetime
    dry_run: bool
    events: int
    users: int
    oldest_at: datetime | None
    newest_at: datetime | None

    def summary(self) -> str:
        """One line for people: what went (or would go) and the time range it covered."""
        verb = "Would delete" if self.dry_run else "Deleted"
        line = f"{verb} {self.events:,} events of {self.users:,} users"
        line += f" older than {self.cutoff:%Y-%m-%d %H:%M} UTC"
        if self.events:
            line += f" (from {self.oldest_at:%Y-%m-%d %H:%M} to {self.newest_at:%Y-%m-%d %H:%M})"
        return line + (". Dry run: nothing was changed." if self.dry_run else ".")


def apply_retention(
    db: Database, *, older_than_days: int, dry_run: bool, now: datetime | None = None
) -> RetentionReport:
    """Delete events older than `older_than_days` days and refresh the rollups, in one audited transaction.

    The cutoff is `now` (default: the current time; naive means UTC) minus `older_than_days`.
    With `dry_run` nothing is written, not even an audit record: the report says what would go.
    """
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 1:
        raise ValidationError(
            f"The 'older_than_days' parameter must be an int >= 1. Got {older_than_days!r} instead."
        )
    now = now or datetime.now(UTC)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    cutoff = now - timedelta(days=older_than_days)
    if dry_run:
        return _report(db.cursor(), cutoff, dry_run=True)
    with db.transaction() as cursor:
        report = _report(cursor, cutoff, dry_run=False)
        if report.events:
            _delete_and_refresh(cursor, cutoff)
        audit.record(
            cursor,
            SYSTEM.account,
            "retention_applied",
            detail={
                "older_than_days": older_than_days,
                "cutoff": cutoff,
                "events": report.events,
                "users": report.users,
            },
        )
    return report


def _report(cursor: duckdb.DuckDBPyConnection, cutoff: datetime, *, dry_run: bool) -> RetentionReport:
    events, users, oldest_at, newest_at = cursor.execute(
        "SELECT count(*), count(DISTINCT user_id), min(timestamp), max(timestamp) FROM events "
        "WHERE timestamp < ?",
        [cutoff],
    ).fetchall()[0]
    return RetentionReport(cutoff, dry_run, events, users, oldest_at, newest_at)


def _delete_and_refresh(cursor: duckdb.DuckDBPyConnection, cutoff: datetime) -> None:
    # refresh_for reads the changed rows from a table, so capture them before they are deleted.
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE {RETIRED_TABLE} AS "
        "SELECT user_id, timestamp, session_id FROM events WHERE timestamp < ?",
        [cutoff],
    )
    cursor.execute("DELETE FROM events WHERE timestamp < ?", [cutoff])
    zone = rollups.rollup_zone(cursor) or load_settings().reporting_timezone
    rollups.refresh_for(cursor, RETIRED_TABLE, zone)
    cursor.execute(f"DROP TABLE {RETIRED_TABLE}")
