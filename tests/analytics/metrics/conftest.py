"""A small hand-made data set for metric series: four users, ten events, answers worked out by hand."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database, forget_database, open_database

# (user_id, activity_type, timestamp UTC, session_id, properties). 2024-01-01 is a Monday.
EVENTS = [
    ("a", "lesson", "2024-01-01 10:00", "s1", {}),
    ("a", "exercise", "2024-01-01 10:05", "s1", {"accuracy": 0.5, "duration_s": 30}),
    ("b", "exercise", "2024-01-01 12:00", "s2", {"accuracy": 1.0, "duration_s": 60}),
    ("d", "exercise", "2024-01-02 10:00", "s6", {"accuracy": 0.0, "duration_s": 99}),
    ("b", "lesson", "2024-01-03 09:00", "s3", {}),
    ("a", "exercise", "2024-01-03 23:50", "s4", {"accuracy": "0.7", "duration_s": 10, "meta": {"level": 3}}),
    ("a", "exercise", "2024-01-04 00:10", "s4", {"duration_s": 20, "meta": {"level": 5}}),
    ("c", "lesson", "2024-01-09 08:00", "s5", {}),
    ("c", "exercise", "2024-01-09 08:10", "s5", {"accuracy": 0.9, "duration_s": "long"}),
    ("a", "lesson", "2024-02-01 10:00", "s7", {}),
]
PLANS = {"a": "pro", "b": "free", "c": "pro", "d": "pro"}
WITHDRAWN = ("d",)


def load_events(db: Database, events: list[tuple], *, zone: str = "UTC") -> Database:
    """Insert the users of `events` (d withdrew consent) and the events, then build the rollups in `zone`."""
    frame = pd.DataFrame(
        events, columns=["user_id", "activity_type", "timestamp", "session_id", "properties"]
    )
    frame["event_id"] = [f"e{n}" for n in range(len(frame))]
    frame["properties"] = frame["properties"].map(json.dumps)
    users = pd.DataFrame({"user_id": sorted(set(frame["user_id"]))})
    users["plan"] = users["user_id"].map(PLANS)
    users["consent"] = ~users["user_id"].isin(WITHDRAWN)
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, plan, consent_analytics) SELECT user_id, plan, consent FROM new_users"
        )
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, "
            "ingested_at) SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, "
            "properties::JSON, TIMESTAMP '2024-03-01' FROM new_events"
        )
        rollups.rebuild_all(cursor, zone)
    return db


@pytest.fixture
def filled(db: Database) -> Database:
    """The test database holding EVENTS with rollups in UTC."""
    return load_events(db, EVENTS)


@pytest.fixture(scope="module")
def shared_filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """EVENTS in a database shared by a module's read-only tests (built once: they are many)."""
    database = open_database(tmp_path_factory.mktemp("metrics") / "pulse.duckdb")
    yield load_events(database, EVENTS)
    forget_database(database.path)


@pytest.fixture
def load(db: Database) -> Callable[..., Database]:
    """`load(events=EVENTS, zone=...)` fills the empty test database and returns it."""
    return lambda events=EVENTS, zone="UTC": load_events(db, events, zone=zone)
