"""The rollup queue: tracking calls record what they touched; one drain refreshes it all at once.

Refreshing rollups inline costs a tracking call more than its write (see docs in the report); queued,
the rollups lag the events by at most the drain interval, and a drain of many events costs about the
same as one refresh of a single event.
"""

from __future__ import annotations

import duckdb

from analytics import rollups
from analytics.db import Database
from config.settings import Settings, load_settings

DRAINED = "_ingest_drained"


def enqueue(cursor: duckdb.DuckDBPyConnection, changed: str) -> None:
    """Queue the rollup refresh for the events in table `changed` (user_id, timestamp, session_id)."""
    cursor.execute(
        "INSERT INTO rollup_queue SELECT user_id, timestamp, session_id, now() AT TIME ZONE 'UTC' "
        f"FROM {changed}"
    )


def drain_rollup_queue(db: Database, *, settings: Settings | None = None) -> int:
    """Refresh the rollups of every queued event and empty the queue, in one transaction; events drained.

    Tracking writes go on meanwhile (the transaction does not write events): the queue rows they add are
    not in this transaction's snapshot, so they stay for the next drain, and so do their events.
    """
    if not db.scalar("SELECT count(*) FROM rollup_queue"):
        return 0  # no transaction, so cached results stay valid while nothing is tracked
    zone = (settings or load_settings()).reporting_timezone
    with db.transaction(live=True, writes_events=False) as cursor:
        queued = cursor.execute("SELECT count(*) FROM rollup_queue").fetchall()[0][0]
        if queued:
            cursor.execute(f"CREATE OR REPLACE TEMP TABLE {DRAINED} AS SELECT * FROM rollup_queue")
            if rollups.rollup_zone(cursor) == zone:
                rollups.refresh_for(cursor, DRAINED, zone)
            else:
                rollups.rebuild_all(cursor, zone)
            cursor.execute("DELETE FROM rollup_queue")
            cursor.execute(f"DROP TABLE {DRAINED}")
    return queued
