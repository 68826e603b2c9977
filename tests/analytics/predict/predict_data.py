"""Adding hand-made users and events to a test database, with the touched rollups refreshed (UTC)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from analytics import rollups
from analytics.db import Database

LEARNING_END = date(2025, 6, 30)
"""Last day of the 2,000-user generated data set the models learn from in tests."""
LEARNING_AS_OF = date(2025, 5, 31)
"""The day the tests score on: a month before the end, so events after it exist."""
Event = tuple  # (user_id, activity_type, timestamp UTC, session_id[, properties dict])


def add_events(db: Database, events: list[Event], *, users: dict[str, dict] | None = None) -> None:
    """Insert `users` (user_id -> column values) and `events`, refreshing the rollups they touch (UTC)."""
    if users:
        frame = pd.DataFrame(
            [{"user_id": user, "consent_analytics": True, **values} for user, values in users.items()]
        )
        with db.transaction() as cursor:
            cursor.register("new_users", frame)
            cursor.execute("INSERT INTO users BY NAME SELECT * FROM new_users")
    rows = [(*event, {}) if len(event) == 4 else event for event in events]
    frame = pd.DataFrame(rows, columns=["user_id", "activity_type", "timestamp", "session_id", "properties"])
    start = db.scalar("SELECT count(*) FROM events")
    frame["event_id"] = [f"t{start + n}" for n in range(len(frame))]
    frame["properties"] = frame["properties"].map(json.dumps)
    with db.transaction() as cursor:
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, properties::JSON, "
            "TIMESTAMP '2024-01-01' FROM new_events"
        )
        cursor.execute(
            "CREATE OR REPLACE TEMP TABLE _changed AS SELECT user_id, timestamp::TIMESTAMP AS timestamp, session_id FROM new_events"
        )
        rollups.refresh_for(cursor, "_changed", "UTC")
        cursor.execute("DROP TABLE _changed")
