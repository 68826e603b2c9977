"""The real-time snapshot on hand-made events with hand-computed counts, lag and feed."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analytics.errors import PermissionDenied
from analytics.realtime import realtime_snapshot
from analytics.viewer import SYSTEM, Viewer

NOW = datetime(2025, 3, 1, 12, 0, 30)
EVENTS = [
    # event_id, user_id, timestamp, ingested_at
    ("e1", "u1", "2025-03-01 11:59:50", "2025-03-01 12:00:00"),  # 40 s ago, delay 10 s
    ("e2", "u2", "2025-03-01 11:58:10", "2025-03-01 11:58:40"),  # in the last 5 min, delay 30 s
    ("e3", "u1", "2025-03-01 11:50:00", "2025-03-01 11:50:05"),  # last hour only
    ("e4", "u3", "2025-03-01 10:30:00", "2025-03-01 10:30:01"),  # older than an hour
    ("e5", "u2", "2025-03-01 12:05:00", "2025-03-01 12:00:10"),  # stamped in the future: not counted yet
    ("e6", "u4", "2025-03-01 11:59:00", "2025-03-01 11:59:01"),  # u4 withdrew consent
]


def store(db, events) -> None:
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO users (user_id, consent_analytics) VALUES ('u1', true), ('u2', true), ('u3', true), "
            "('u4', false)"
        )
        for event_id, user_id, timestamp, ingested_at in events:
            cursor.execute(
                "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, ingested_at) "
                "VALUES (?, ?, 'lesson', ?::TIMESTAMP, ?, ?::TIMESTAMP)",
                [event_id, user_id, timestamp, f"s-{user_id}", ingested_at],
            )


def test_product_wide_snapshot(db):
    store(db, EVENTS)
    snapshot = realtime_snapshot(db, SYSTEM, now=NOW)
    assert snapshot.user_id is None
    assert (snapshot.events_5m, snapshot.active_users_5m) == (2, 2)
    assert (snapshot.events_60m, snapshot.active_users_60m) == (3, 2)
    assert snapshot.event_delay_p50_s == 20.0  # median of 10 s and 30 s
    assert snapshot.newest_ingested_at == datetime(2025, 3, 1, 12, 0, 10)
    assert snapshot.ingestion_lag_s == 20.0
    assert snapshot.feed["event_id"].tolist() == ["e1", "e2", "e3"]
    assert list(snapshot.feed.columns) == [
        "timestamp",
        "event_id",
        "user_id",
        "activity_type",
        "session_id",
        "ingested_at",
    ]


def test_per_minute_has_sixty_zero_filled_minutes_ending_now(db):
    store(db, EVENTS)
    per_minute = realtime_snapshot(db, SYSTEM, now=NOW).per_minute
    assert len(per_minute) == 60
    assert per_minute["minute"].iloc[0] == pd.Timestamp("2025-03-01 11:01")
    assert per_minute["minute"].iloc[-1] == pd.Timestamp("2025-03-01 12:00")
    counted = per_minute[per_minute["events"] > 0].set_index("minute")["events"].to_dict()
    assert counted == {
        pd.Timestamp("2025-03-01 11:50"): 1,
        pd.Timestamp("2025-03-01 11:58"): 1,
        pd.Timestamp("2025-03-01 11:59"): 1,
    }


def test_members_see_only_their_own_events(db):
    store(db, EVENTS)
    snapshot = realtime_snapshot(db, Viewer.for_role("ann", "member", user_id="u1"), now=NOW)
    assert snapshot.user_id == "u1"
    assert (snapshot.events_5m, snapshot.events_60m, snapshot.active_users_60m) == (1, 2, 1)
    assert snapshot.feed["event_id"].tolist() == ["e1", "e3"]
    assert snapshot.event_delay_p50_s == 10.0
    assert snapshot.ingestion_lag_s == 30.0


def test_lag_falls_back_to_older_ingests(db):
    store(db, [EVENTS[3]])
    snapshot = realtime_snapshot(db, SYSTEM, now=NOW)
    assert snapshot.events_60m == 0
    assert snapshot.ingestion_lag_s == 5429.0  # 12:00:30 − 10:30:01
    assert snapshot.event_delay_p50_s is None


def test_empty_database(db):
    snapshot = realtime_snapshot(db, SYSTEM, now=NOW)
    assert (snapshot.events_5m, snapshot.events_60m, snapshot.active_users_60m) == (0, 0, 0)
    assert snapshot.per_minute["events"].sum() == 0 and len(snapshot.per_minute) == 60
    assert snapshot.feed.empty
    assert snapshot.ingestion_lag_s is None and snapshot.newest_ingested_at is None


@pytest.mark.parametrize(
    ("viewer", "message"),
    [
        (Viewer.for_role("backend", "tracker"), "VIEW_USER_ENGAGEMENT"),
        (Viewer.for_role("nobody", "member"), "VIEW_OTHER_USER_ANALYTICS"),
    ],
)
def test_refused_without_permission(db, viewer, message):
    with pytest.raises(PermissionDenied, match=message):
        realtime_snapshot(db, viewer, now=NOW)
