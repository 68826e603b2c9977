"""Hand-made daily event counts for alert rules: one user per event, so every count is exact."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database

FIRST_DAY = date(2025, 1, 6)
"""A Monday: day 0 of every hand-made series."""


def load_daily_counts(
    db: Database, counts: list[int], *, first_day: date = FIRST_DAY, plan: str = "pro"
) -> None:
    """`counts[i]` lesson events on first_day + i (at 10:00 UTC, each by a user of `plan` of its own)."""
    days = pd.DataFrame(
        {"day": [first_day + timedelta(days=i) for i in range(len(counts))], "n": counts, "plan": plan}
    )
    with db.transaction() as cursor:
        cursor.register("counts", days)
        cursor.execute(
            """CREATE TEMP TABLE planned AS
               SELECT plan || '-' || day || '-' || i AS event_id, plan || '-u' || i AS user_id, plan,
                      day::TIMESTAMP + INTERVAL 10 HOUR AS ts
               FROM (SELECT day, plan, unnest(range(n)) AS i FROM counts)"""
        )
        cursor.execute(
            "INSERT INTO users (user_id, plan) SELECT DISTINCT user_id, plan FROM planned "
            "WHERE user_id NOT IN (SELECT user_id FROM users)"
        )
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, 'lesson', ts, event_id, '{}', ts FROM planned"
        )
        cursor.execute("DROP TABLE planned")
        rollups.rebuild_all(cursor, "UTC")


@pytest.fixture
def daily(db: Database):
    """Load hand-made daily counts into the test database: daily([100, 100, 20])."""

    def load(counts: list[int], **options) -> Database:
        load_daily_counts(db, counts, **options)
        return db

    return load


@pytest.fixture
def day():
    """day(n): the n-th day of the hand-made series (day(0) is FIRST_DAY, a Monday)."""
    return lambda n: FIRST_DAY + timedelta(days=n)
