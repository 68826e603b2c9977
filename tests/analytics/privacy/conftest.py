"""A small hand-made data set: three users, nine events across the retention cutoff, rollups built."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database

USERS = [
    ("u1", "Alice Example", "alice@example.com", "2024-01-05 09:00:00", '=HYPERLINK("http://x")'),
    ("u2", "Bob Example", "bob@example.org", "2024-02-01 08:00:00", "bob"),
    ("u3", "Carol Example", "carol@example.net", "2024-03-01 07:00:00", "carol"),
]

EVENTS = [
    # event_id, user_id, activity_type, timestamp, session_id, properties, ip_address
    ("e1", "u1", "exercise", "2024-05-01 10:00:00", "s1", {"duration_s": 60, "score": 80}, "203.0.113.45"),
    ("e2", "u1", "lesson", "2024-05-01 10:10:00", "s1", {"duration_s": 120}, "203.0.113.45"),
    ("e3", "u1", "exercise", "2024-05-31 11:00:00", "s2", {"note": "mail alice@example.com"}, "203.0.113.7"),
    ("e4", "u1", "exercise", "2024-05-31 13:00:00", "s2", {"duration_s": 30}, "2001:db8:abcd:12::1"),
    ("e5", "u1", "lesson", "2024-06-10 09:00:00", "s3", {"duration_s": 300}, "203.0.113.45"),
    ("e6", "u2", "exercise", "2024-04-01 08:00:00", "s4", {"duration_s": 45}, "198.51.100.23"),
    ("e7", "u3", "lesson", "2024-06-20 18:00:00", "s5", {"duration_s": 90}, "192.0.2.99"),
    ("e8", "u3", "exercise", "2024-06-20 18:20:00", "s5", {"duration_s": 15}, "192.0.2.99"),
    ("e9", "u3", "exercise", "2024-06-21 07:00:00", None, {}, None),
]


def insert_fixture_data(db: Database) -> None:
    """Load USERS, EVENTS and one prediction per user, then build the rollups in UTC."""
    users = pd.DataFrame(USERS, columns=["user_id", "display_name", "email", "signup_at", "city"])
    users["attributes"] = [json.dumps({"city": city}) for city in users.pop("city")]
    events = pd.DataFrame(
        EVENTS,
        columns=["event_id", "user_id", "activity_type", "timestamp", "session_id", "properties", "ip"],
    )
    events["properties"] = events["properties"].map(json.dumps)
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, display_name, email, signup_at, attributes) "
            "SELECT user_id, display_name, email, signup_at::TIMESTAMP, attributes FROM new_users"
        )
        cursor.register("new_events", events)
        cursor.execute(
            "INSERT INTO events SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, "
            "properties::JSON, ip, 'test-agent', 'DE', 'Berlin', TIMESTAMP '2024-06-30 00:00:00' "
            "FROM new_events"
        )
        cursor.execute(
            "INSERT INTO predictions (prediction_id, user_id, prediction_type, prediction_data, model_version) "
            "SELECT 'p_' || user_id, user_id, 'churn', '{\"p\": 0.2}', 'v1' FROM new_users"
        )
        rollups.rebuild_all(cursor, "UTC")


@pytest.fixture
def filled_db(db: Database) -> Database:
    """The `db` fixture holding the hand-made data set above."""
    insert_fixture_data(db)
    return db
