"""Databases holding simple daily event counts, for forecasts and anomalies of metric specs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database


def load_daily_counts(db: Database, first: date, counts: list[int], *, user_id: str = "a") -> Database:
    """Give one user `counts[i]` lesson events on day `first + i` (noon UTC), rollups included."""
    rows = [
        (f"{user_id}-{offset}-{n}", user_id, first + timedelta(days=offset))
        for offset, count in enumerate(counts)
        for n in range(count)
    ]
    frame = pd.DataFrame(rows, columns=["event_id", "user_id", "day"])
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO users (user_id) SELECT ? WHERE ? NOT IN (SELECT user_id FROM users)",
            [user_id, user_id],
        )
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, 'lesson', day::TIMESTAMP + INTERVAL 12 HOUR, event_id, '{}', now() "
            "FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")
    return db


@pytest.fixture
def daily_counts(db: Database) -> Callable[..., Database]:
    """`daily_counts(first, counts)` fills the empty test database and returns it."""
    return lambda first, counts, **options: load_daily_counts(db, first, counts, **options)
