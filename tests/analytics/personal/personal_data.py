"""A hand-made member ("ana") with eight weeks of history, five peers, and daily-row frames for pure tests.

Ana (UTC rollups, one session per day) starts on Monday 22 January 2024. Each week until 4 March she is
active on Monday (one lesson) and Saturday (two lessons five minutes apart), except the week of 26
February: one exercise a day Monday to Thursday. On Monday 5 February the lesson is an exercise.
"This week" is Monday 11 March to Wednesday 13 March (AS_OF): two exercises ten minutes apart on Monday,
one lesson on Wednesday; a lesson on Thursday 14 March comes after AS_OF. Peers p1..p5 each do one
exercise on 1 March.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd

from analytics import rollups
from analytics.db import Database
from analytics.personal.activity import DAILY_COLUMNS

AS_OF = date(2024, 3, 13)
HISTORY_MONDAYS = [date(2024, 1, 22) + timedelta(weeks=n) for n in range(7)]
PEER_ACCURACY = (0.1, 0.3, 0.5, 0.9, 0.95)
PEER_SECONDS = (30, 50, 70, 90, 110)


def _exercise(day: date, hour: str, accuracy: float, seconds: int, level: int) -> tuple:
    props = {"accuracy": accuracy, "duration_s": seconds, "level": level}
    return ("ana", "exercise", f"{day} {hour}", f"ana-{day}", props)


def ana_events() -> list[tuple]:
    """(user_id, activity_type, timestamp UTC, session_id, properties) of ana, as described above."""
    events = []
    for monday in HISTORY_MONDAYS:
        if monday == date(2024, 2, 26):
            events += [_exercise(monday + timedelta(days=n), "10:00", 1.0, 60, 3) for n in range(4)]
            continue
        if monday == date(2024, 2, 5):
            events.append(_exercise(monday, "10:00", 0.5, 90, 2))
        else:
            events.append(("ana", "lesson", f"{monday} 10:00", f"ana-{monday}", {}))
        saturday = monday + timedelta(days=5)
        events += [("ana", "lesson", f"{saturday} 10:{m}", f"ana-{saturday}", {}) for m in ("00", "05")]
    monday = date(2024, 3, 11)
    events += [_exercise(monday, "09:00", 0.5, 60, 3), _exercise(monday, "09:10", 0.5, 60, 3)]
    events.append(("ana", "lesson", "2024-03-13 18:00", "ana-2024-03-13", {}))
    events.append(("ana", "lesson", "2024-03-14 18:00", "ana-2024-03-14", {}))
    return events


def peer_events() -> list[tuple]:
    return [
        (f"p{n}", "exercise", "2024-03-01 12:00", f"p{n}-1", {"accuracy": acc, "duration_s": sec, "level": n})
        for n, (acc, sec) in enumerate(zip(PEER_ACCURACY, PEER_SECONDS, strict=True), start=1)
    ]


def fill(db: Database) -> Database:
    """Insert ana, bob (no events) and the peers, all on the pro plan, and build UTC rollups."""
    users = pd.DataFrame({"user_id": ["ana", "bob", *[f"p{n}" for n in range(1, 6)]]})
    users["display_name"] = ["Ana Lima", "Bob Stone", *[f"Peer {n}" for n in range(1, 6)]]
    users["plan"] = "pro"
    events = pd.DataFrame(
        ana_events() + peer_events(),
        columns=["user_id", "activity_type", "timestamp", "session_id", "properties"],
    )
    events["event_id"] = [f"e{n}" for n in range(len(events))]
    events["properties"] = events["properties"].map(json.dumps)
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, display_name, plan, signup_at) "
            "SELECT user_id, display_name, plan, TIMESTAMP '2024-01-22' FROM new_users"
        )
        cursor.register("new_events", events)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, properties::JSON, "
            "TIMESTAMP '2024-03-20' FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")
    return db


def daily(rows: list[dict]) -> pd.DataFrame:
    """Daily rows (activity.DAILY_COLUMNS) from dicts holding `day` and any non-zero columns."""
    frame = pd.DataFrame(rows, columns=list(DAILY_COLUMNS))
    counts = [column for column in DAILY_COLUMNS if column not in ("day", "max_level")]
    frame[counts] = frame[counts].fillna(0)
    frame["max_level"] = frame["max_level"].astype(float)
    return frame.sort_values("day", ignore_index=True)


def days(*numbers: int, month: int = 3) -> list[dict]:
    """Rows with one event on each day `numbers` of `month` 2024."""
    return [{"day": date(2024, month, n), "event_count": 1} for n in numbers]
