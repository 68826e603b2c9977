"""A small hand-made data set for the export tests: four users (one withdrew consent), nine events.

Hand-counted (consenting users only): 3 users, 8 events, 6 sessions on 1-3 May 2024 (UTC);
2 predictions, 1 recommendation, 2 alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database, forget_database, open_database
from analytics.viewer import Viewer

USERS = [
    # user_id, display_name, email, signup_at, plan, country, platform, consent
    ("ann-001", "Ann Lee", "ann@example.com", "2024-04-30 09:00:00", "pro", "DE", "ios", True),
    ("bo-002", "Bo Chan", "bo@example.org", "2024-05-01 11:00:00", "free", "FR", "web", True),
    ("cy-003", "Cy Diaz", "cy@example.net", "2024-05-02 14:00:00", "free", "DE", "android", True),
    ("di-004", "Di Ex", "di@example.com", "2024-05-01 08:00:00", "pro", "DE", "web", False),
]

EVENTS = [
    # event_id, user_id, activity_type, timestamp (UTC), session_id, properties, ip_address
    ("e1", "ann-001", "signup", "2024-05-01 10:00:00", "s1", {"plan": "pro"}, "203.0.113.7"),
    (
        "e2",
        "ann-001",
        "lesson",
        "2024-05-01 10:05:00",
        "s1",
        {"content_id": "c1", "note": "ann@example.com"},
        "203.0.113.7",
    ),
    (
        "e3",
        "ann-001",
        "exercise",
        "2024-05-02 09:00:00.25",
        "s2",
        {"accuracy": 0.8, "score": 80},
        "203.0.113.7",
    ),
    ("e4", "bo-002", "signup", "2024-05-01 12:00:00", "s3", {}, "198.51.100.23"),
    ("e5", "bo-002", "lesson", "2024-05-03 08:00:00", "s4", {"content_id": "c2"}, "198.51.100.23"),
    ("e6", "cy-003", "signup", "2024-05-02 15:00:00", "s5", {}, "192.0.2.99"),
    ("e7", "cy-003", "lesson", "2024-05-02 15:10:00", "s5", {"content_id": "c1"}, "192.0.2.99"),
    ("e8", "cy-003", "exercise", "2024-05-03 16:00:00", "s6", {"accuracy": 0.5}, None),
    ("e9", "di-004", "lesson", "2024-05-02 10:00:00", "s7", {}, "10.0.0.1"),
]
USER_IDS = [row[0] for row in USERS]
EMAILS = [row[2] for row in USERS]
NAMES = [row[1] for row in USERS]
IPS = ["203.0.113.7", "198.51.100.23", "192.0.2.99"]


def insert_users_and_events(db: Database, users: list[tuple], events: list[tuple]) -> None:
    """Store `users` and `events` (rows shaped like USERS and EVENTS) and rebuild the rollups in UTC."""
    people = pd.DataFrame(
        users,
        columns=["user_id", "display_name", "email", "signup_at", "plan", "country", "platform", "consent"],
    )
    rows = pd.DataFrame(
        events,
        columns=["event_id", "user_id", "activity_type", "timestamp", "session_id", "properties", "ip"],
    )
    rows["properties"] = rows["properties"].map(json.dumps)
    with db.transaction() as cursor:
        cursor.register("new_users", people)
        cursor.execute(
            "INSERT INTO users (user_id, display_name, email, signup_at, plan, country, platform, "
            "consent_analytics, attributes) SELECT user_id, display_name, email, signup_at::TIMESTAMP, plan, "
            'country, platform, consent, \'{"referrer": "ads"}\' FROM new_users'
        )
        cursor.register("new_events", rows)
        cursor.execute(
            "INSERT INTO events SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, "
            "properties::JSON, ip, 'test-agent', 'DE', 'Berlin', TIMESTAMP '2024-05-04 00:00:00' FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")


def fill(db: Database) -> Database:
    """USERS and EVENTS, two predictions, two recommendations and two alerts, rollups built."""
    insert_users_and_events(db, USERS, EVENTS)
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO predictions (prediction_id, user_id, prediction_type, prediction_data, confidence_score, "
            "horizon_days, model_version, as_of) VALUES "
            "('p1', 'ann-001', 'churn', '{\"probability\": 0.2}', 0.9, 28, 'v1', DATE '2024-05-03'), "
            "('p2', 'bo-002', 'churn', '{\"probability\": 0.7}', 0.8, 28, 'v1', DATE '2024-05-03'), "
            "('p3', 'di-004', 'churn', '{\"probability\": 0.5}', 0.8, 28, 'v1', DATE '2024-05-03')"
        )
        cursor.execute(
            "INSERT INTO recommendations (recommendation_id, user_id, recommendation_type, item, reason, "
            "priority_score) VALUES ('r1', 'cy-003', 'content', 'c2', 'peers liked it', 0.6), "
            "('r2', 'di-004', 'content', 'c1', 'peers liked it', 0.4)"
        )
        cursor.execute(
            "INSERT INTO alerts (alert_id, rule_id, metric, period_start, observed, expected, severity, message) "
            "VALUES ('a1', 'rule1', 'events', TIMESTAMP '2024-05-02 00:00:00', 3, 5, 0.4, 'events fell'), "
            "('a2', 'rule1', 'events', TIMESTAMP '2024-05-03 00:00:00', 2, 5, 0.6, 'events fell again')"
        )
    return db


@pytest.fixture
def filled(db: Database) -> Database:
    """The small data set in a fresh database of the test's own."""
    return fill(db)


@pytest.fixture(scope="module")
def filled_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The small data set built once per module, for tests that only read it."""
    database = fill(open_database(tmp_path_factory.mktemp("export") / "pulse.duckdb"))
    yield database
    forget_database(database.path)


@pytest.fixture
def analyst() -> Viewer:
    return Viewer.for_role("ana", "analyst")
