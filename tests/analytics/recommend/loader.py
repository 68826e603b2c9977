"""Small hand-made data sets for the recommendation, peer and insight tests: users with their plan and
country, and events (rollups rebuilt in UTC)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd

from analytics import rollups
from analytics.db import Database

Event = tuple
"""(user_id, activity_type, timestamp 'YYYY-MM-DD HH:MM', properties dict)"""


def load(
    db: Database,
    events: list[Event],
    *,
    users: dict[str, dict] | None = None,
    withdrawn: tuple[str, ...] = (),
) -> Database:
    """Insert users (fields from `users`: plan (default 'free'), country, platform, signup_at, display_name;
    consenting unless `withdrawn`) and `events`, one session per user and day; rebuild the rollups."""
    frame = pd.DataFrame(events, columns=["user_id", "activity_type", "timestamp", "properties"])
    frame["event_id"] = [f"e{n}" for n in range(len(frame))]
    frame["session_id"] = frame["user_id"] + "-" + frame["timestamp"].str[:10]
    frame["properties"] = frame["properties"].map(json.dumps)
    extra = users or {}
    ids = sorted(set(frame["user_id"]) | set(extra))
    people = pd.DataFrame(
        {
            "user_id": ids,
            "display_name": [extra.get(u, {}).get("display_name", f"User {u}") for u in ids],
            "plan": [extra.get(u, {}).get("plan", "free") for u in ids],
            "country": [extra.get(u, {}).get("country", "US") for u in ids],
            "platform": [extra.get(u, {}).get("platform", "web") for u in ids],
            "signup_at": [pd.Timestamp(extra.get(u, {}).get("signup_at", "2024-01-01")) for u in ids],
            "consent": [u not in withdrawn for u in ids],
        }
    )
    with db.transaction() as cursor:
        cursor.register("new_users", people)
        cursor.execute(
            "INSERT INTO users (user_id, display_name, plan, country, platform, signup_at, consent_analytics) "
            "SELECT user_id, display_name, plan, country, platform, signup_at, consent FROM new_users"
        )
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, properties::JSON, "
            "TIMESTAMP '2024-01-01' FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")
    return db


def at(day: date, hour: int = 10, minute: int = 0) -> str:
    """'YYYY-MM-DD HH:MM' of `day` at that time (UTC)."""
    return (datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=minute)).strftime(
        "%Y-%m-%d %H:%M"
    )
