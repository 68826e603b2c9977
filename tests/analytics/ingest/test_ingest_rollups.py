"""Rollups after an import equal their definition: each table grouped straight from the stored events.

Rollups keep a group's distinct features as a bitmask when there are few and add up sessions from
per-day parts; these tests compare the result with the plain definitions below, into an empty database
(rollups rebuilt) and into a filled one (rollups refreshed for what was touched).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analytics import rollups
from analytics.db import Database
from analytics.ingest import import_files
from analytics.viewer import SYSTEM
from config.settings import Settings

Write = Callable[[str, str], Path]

_DAY = "CAST(timezone(?, timestamp AT TIME ZONE 'UTC') AS DATE)"
_TYPED = """(
    SELECT user_id, timestamp, session_id, activity_type,
        TRY_CAST(properties ->> '$.duration_s' AS DOUBLE) AS duration_s,
        TRY_CAST(properties ->> '$.accuracy' AS DOUBLE) AS accuracy,
        TRY_CAST(properties ->> '$.score' AS DOUBLE) AS score,
        TRY_CAST(properties ->> '$.completed' AS BOOLEAN) AS completed,
        TRY_CAST(properties ->> '$.level' AS INTEGER) AS level,
        properties ->> '$.feature' AS feature
    FROM events
)"""
DEFINITIONS = {
    "user_daily": f"""
        SELECT user_id, {_DAY} AS day, count(*), count(DISTINCT session_id), min(timestamp), max(timestamp),
            coalesce(sum(duration_s), 0),
            count(*) FILTER (WHERE activity_type = 'exercise'), count(*) FILTER (WHERE activity_type = 'lesson'),
            coalesce(sum(accuracy), 0), count(accuracy), coalesce(sum(score), 0), count(score),
            count(*) FILTER (WHERE completed), count(completed),
            coalesce(sum(duration_s) FILTER (WHERE activity_type = 'exercise'), 0), max(level),
            coalesce(list_sort(list_distinct(list(feature))), [])
        FROM {_TYPED} GROUP BY ALL""",
    "user_daily_activity": f"SELECT user_id, {_DAY} AS day, activity_type, count(*) FROM events GROUP BY ALL",
    "sessions": f"""
        SELECT session_id, user_id, min(timestamp), max(timestamp),
            greatest(date_diff('millisecond', min(timestamp), max(timestamp)) / 1000.0,
                     coalesce(arg_max(duration_s, timestamp), 0)),
            count(*), count(*) FILTER (WHERE activity_type = 'exercise'),
            count(*) FILTER (WHERE activity_type = 'lesson'), count(DISTINCT feature)
        FROM {_TYPED} WHERE session_id IS NOT NULL GROUP BY session_id, user_id""",
}


def _properties(rng: random.Random, features: int) -> str:
    """Properties with each rollup key present or not; numbers are quarters, so any sum is exact."""
    found: dict[str, object] = {}
    if rng.random() < 0.7:
        found["duration_s"] = rng.choice([rng.randrange(600) / 4, "long", None])
    if rng.random() < 0.5:
        found["accuracy"] = rng.randrange(5) / 4
    if rng.random() < 0.5:
        found["score"] = rng.randrange(400) / 4
    if rng.random() < 0.4:
        found["completed"] = rng.choice([True, False, "maybe"])
    if rng.random() < 0.3:
        found["level"] = rng.randrange(1, 6)
    if rng.random() < 0.6:
        found["feature"] = f"feature-{rng.randrange(features):03d}"
    return json.dumps(found)


def _events_csv(rng: random.Random, count: int, features: int) -> str:
    """`count` events of 6 users over 3 days around midnights; some carry a session id across a midnight."""
    start = datetime(2024, 3, 9, 20, 0)
    lines = ["user_id,timestamp,activity_type,session_id,properties"]
    for _ in range(count):
        at = start + timedelta(seconds=rng.randrange(3 * 24 * 3600) // 60 * 60)
        session = rng.choice(["", "", "", "s-night-1", "s-night-2"])
        activity = rng.choice(["login", "lesson", "exercise", "exercise", "feature_use"])
        properties = _properties(rng, features).replace('"', '""')
        lines.append(f'u{rng.randrange(6)},{at:%Y-%m-%dT%H:%M:%SZ},{activity},{session},"{properties}"')
    return "\n".join(lines) + "\n"


def _assert_rollups_as_defined(db: Database, zone: str) -> None:
    for table, definition in DEFINITIONS.items():
        stored = sorted(db.rows(f"SELECT * FROM {table}"), key=repr)
        defined = sorted(db.rows(definition, [zone] if "?" in definition else []), key=repr)
        assert stored == defined, table


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("features", [5, rollups.FEATURE_BITS + 6], ids=["bitmask", "lists"])
def test_rollups_after_imports_equal_their_definition(
    db: Database, write: Write, rng: random.Random, zone: str, features: int
) -> None:
    settings = Settings(reporting_timezone=zone)
    import_files(db, SYSTEM, [write("first.csv", _events_csv(rng, 600, features))], settings=settings)
    assert db.scalar("SELECT count(*) FROM events") == 600
    _assert_rollups_as_defined(db, zone)
    # Fewer new events than stored ones: the rollups are refreshed for the touched days and sessions.
    import_files(db, SYSTEM, [write("second.csv", _events_csv(rng, 150, features))], settings=settings)
    assert db.scalar("SELECT count(*) FROM events") == 750
    _assert_rollups_as_defined(db, zone)


def test_events_without_features_have_empty_feature_lists(db: Database, write: Write) -> None:
    csv = "user_id,timestamp,activity_type,properties\nu1,2024-01-05T10:00:00Z,login,\n"
    import_files(db, SYSTEM, [write("events.csv", csv)], settings=Settings())
    assert db.rows("SELECT features FROM user_daily") == [([],)]
    assert db.rows("SELECT feature_count FROM sessions") == [(0,)]
