"""Load small hand-made event lists into a test database, with rollups built in a chosen zone."""

from __future__ import annotations

import json

import pandas as pd

from analytics import rollups
from analytics.db import Database

Event = tuple
"""(user_id, activity_type, timestamp UTC 'YYYY-MM-DD HH:MM[:SS]', session_id or None[, properties dict])"""


def load_events(
    db: Database,
    events: list[Event],
    *,
    withdrawn: tuple[str, ...] = (),
    plans: dict[str, str] | None = None,
    zone: str = "UTC",
) -> Database:
    """Insert the users (consenting unless `withdrawn`, plan from `plans` or 'free') and `events`; rebuild rollups."""
    rows = [(*event, {}) if len(event) == 4 else event for event in events]
    frame = pd.DataFrame(rows, columns=["user_id", "activity_type", "timestamp", "session_id", "properties"])
    frame["event_id"] = [f"e{n}" for n in range(len(frame))]
    frame["properties"] = frame["properties"].map(json.dumps)
    users = pd.DataFrame({"user_id": sorted(set(frame["user_id"]))})
    users["consent"] = ~users["user_id"].isin(withdrawn)
    users["plan"] = users["user_id"].map((plans or {}).get).fillna("free")
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, plan, consent_analytics) SELECT user_id, plan, consent FROM new_users"
        )
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, properties::JSON, "
            "TIMESTAMP '2024-01-01' FROM new_events"
        )
        rollups.rebuild_all(cursor, zone)
    return db
