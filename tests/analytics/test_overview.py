"""Overview KPIs and daily active users against hand-computed answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import rollups
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.overview import daily_active_users, data_days, overview_kpis
from analytics.viewer import SYSTEM, Viewer

# (event_id, user_id, timestamp UTC, session_id)
EVENTS = [
    ("1", "a", "2024-01-01 10:00", "a1"),
    ("2", "a", "2024-01-02 10:00", "a2"),
    ("3", "b", "2024-01-02 11:00", "b1"),
    ("4", "b", "2024-01-02 11:05", "b1"),
    ("5", "a", "2024-01-03 09:00", "a3"),
    ("6", "c", "2024-01-04 09:00", "c1"),
    ("7", "b", "2024-01-04 23:30", "b2"),
    ("8", "d", "2024-01-04 12:00", "d1"),
]


@pytest.fixture
def filled(db):
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO users (user_id, consent_analytics) VALUES ('a', TRUE), ('b', TRUE), ('c', TRUE), ('d', FALSE)"
        )
        for event_id, user_id, timestamp, session_id in EVENTS:
            cursor.execute(
                "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
                "VALUES (?, ?, 'lesson', ?, ?, '{}', now())",
                [event_id, user_id, timestamp, session_id],
            )
        rollups.rebuild_all(cursor, "UTC")
    return db


def test_kpis_compare_with_previous_period(filled):
    kpis = overview_kpis(filled, SYSTEM, start=date(2024, 1, 3), end=date(2024, 1, 4)).set_index("metric")
    # Current 3-4 Jan: users a, c, b (d withdrew consent); previous 1-2 Jan: a, b.
    assert kpis.loc["active_users", ["value", "previous"]].tolist() == [3, 2]
    assert kpis.loc["active_users", "change_pct"] == 50.0
    # First events: a on 1 Jan, b on 2 Jan (previous period); c on 4 Jan (current).
    assert kpis.loc["new_users", ["value", "previous"]].tolist() == [1, 2]
    assert kpis.loc["events", ["value", "previous"]].tolist() == [3, 4]
    assert kpis.loc["sessions", ["value", "previous"]].tolist() == [3, 3]


def test_days_follow_the_reporting_zone(filled, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "Asia/Tokyo")
    with filled.transaction() as cursor:
        rollups.rebuild_all(cursor, "Asia/Tokyo")
    # b's 23:30 UTC event on 4 Jan is 5 Jan in Tokyo.
    dau = daily_active_users(filled, SYSTEM, start=date(2024, 1, 4), end=date(2024, 1, 5))
    assert dau["active_users"].tolist() == [1, 1]


def test_daily_active_users_fills_empty_days(filled):
    dau = daily_active_users(filled, SYSTEM, start=date(2023, 12, 31), end=date(2024, 1, 4))
    expected = pd.DataFrame(
        {
            "day": [date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)],
            "active_users": [0, 1, 2, 1, 2],
        }
    )
    pd.testing.assert_frame_equal(dau, expected)


def test_data_days(filled, db):
    assert data_days(filled, SYSTEM) == (date(2024, 1, 1), date(2024, 1, 4))


def test_empty_database_has_no_days(db):
    assert data_days(db, SYSTEM) is None
    kpis = overview_kpis(db, SYSTEM, start=date(2024, 1, 1), end=date(2024, 1, 7))
    assert kpis["value"].tolist() == [0, 0, 0, 0]


def test_period_must_not_end_before_start(db):
    with pytest.raises(AnalyticsError, match="must end on or after its start"):
        overview_kpis(db, SYSTEM, start=date(2024, 1, 5), end=date(2024, 1, 1))


def test_members_cannot_see_product_figures(db):
    member = Viewer.for_role("mia", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        overview_kpis(db, member, start=date(2024, 1, 1), end=date(2024, 1, 2))
