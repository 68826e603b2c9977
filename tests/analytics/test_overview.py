"""Overview KPIs, daily series and top movers against hand-computed answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import rollups
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.overview import daily_active_users, daily_kpis, data_days, overview_kpis, top_movers
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
PERIOD = Filters(start=date(2024, 1, 3), end=date(2024, 1, 4))
LATER = date(2024, 1, 10)


@pytest.fixture
def filled(db):
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO users (user_id, plan, consent_analytics) VALUES
               ('a', 'pro', TRUE), ('b', 'free', TRUE), ('c', 'pro', TRUE), ('d', 'pro', FALSE)"""
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
    kpis = overview_kpis(filled, SYSTEM, PERIOD, today=LATER).set_index("metric")
    # Current 3-4 Jan: a on the 3rd; b and c on the 4th (d withdrew consent). Previous 1-2 Jan: a; a and b.
    expected = {
        "dau": (1.5, 1.5, 0.0),
        "wau": (3, 2, 50.0),
        "mau": (3, 2, 50.0),
        "stickiness_pct": (50.0, 75.0, -33.3),
        "active_users": (3, 2, 50.0),
        "new_users": (1, 2, -50.0),  # c is new on the 4th; a and b were new in the previous period
        "sessions": (3, 3, 0.0),
        "events": (3, 4, -25.0),
    }
    for metric, (value, previous, change) in expected.items():
        assert tuple(kpis.loc[metric, ["value", "previous", "change_pct"]]) == (value, previous, change), (
            metric
        )


def test_days_in_progress_are_left_out_of_averages(filled):
    kpis = overview_kpis(filled, SYSTEM, PERIOD, today=date(2024, 1, 4)).set_index("metric")
    # The 4th is today: DAU averages the 3rd only, WAU/MAU are taken on the 3rd (a and b).
    assert (kpis.loc["dau", "value"], kpis.loc["wau", "value"], kpis.loc["mau", "value"]) == (1.0, 2, 2)


def test_daily_series(filled):
    days = daily_kpis(filled, SYSTEM, PERIOD, today=LATER)
    expected = pd.DataFrame(
        {
            "day": [date(2024, 1, 3), date(2024, 1, 4)],
            "dau": [1, 2],
            "wau": [2, 3],
            "mau": [2, 3],
            "stickiness_pct": [50.0, 66.7],
            "new_users": [0, 1],
            "events": [1, 2],
            "sessions": [1, 2],
            "complete": [True, True],
        }
    )
    pd.testing.assert_frame_equal(days, expected, check_dtype=False)


def test_segment_narrows_every_figure(filled):
    pro = Filters(start=PERIOD.start, end=PERIOD.end, segment=(("plan", "pro"),))
    kpis = overview_kpis(filled, SYSTEM, pro, today=LATER).set_index("metric")
    assert kpis.loc["active_users", "value"] == 2 and kpis.loc["events", "value"] == 2


def test_top_movers(filled):
    movers = top_movers(filled, SYSTEM, PERIOD, min_users=1)
    first = movers.iloc[0]
    assert (
        first["dimension"],
        first["value"],
        first["active_users"],
        first["previous"],
        first["change"],
    ) == ("plan", "pro", 2, 1, 1)
    assert first["change_pct"] == 100.0
    with pytest.raises(AnalyticsError, match="dimensions must be among"):
        top_movers(filled, SYSTEM, PERIOD, dimensions=("password",))


def test_days_follow_the_reporting_zone(filled, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "Asia/Tokyo")
    with filled.transaction() as cursor:
        rollups.rebuild_all(cursor, "Asia/Tokyo")
    # b's 23:30 UTC event on 4 Jan is 5 Jan in Tokyo.
    dau = daily_active_users(filled, SYSTEM, Filters(start=date(2024, 1, 4), end=date(2024, 1, 5)))
    assert dau["active_users"].tolist() == [1, 1]
    sessions = daily_kpis(filled, SYSTEM, Filters(start=date(2024, 1, 4), end=date(2024, 1, 5)), today=LATER)
    assert sessions["sessions"].tolist() == [1, 1]


def test_daily_active_users_fills_empty_days(filled):
    dau = daily_active_users(filled, SYSTEM, Filters(start=date(2023, 12, 31), end=date(2024, 1, 4)))
    assert dau["active_users"].tolist() == [0, 1, 2, 1, 2]


def test_data_days(filled):
    assert data_days(filled, SYSTEM) == (date(2024, 1, 1), date(2024, 1, 4))


def test_empty_database(db):
    assert data_days(db, SYSTEM) is None
    kpis = overview_kpis(db, SYSTEM, Filters(start=date(2024, 1, 1), end=date(2024, 1, 7)), today=LATER)
    assert kpis["value"].tolist() == [0] * 8


def test_members_cannot_see_product_figures(db):
    member = Viewer.for_role("mia", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        overview_kpis(db, member, PERIOD)
