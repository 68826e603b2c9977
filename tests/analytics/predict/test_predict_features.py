"""Point-in-time features and outcomes against hand-computed values; nothing at or after the cut leaks in."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.predict.features import data_span, user_features, user_outcomes, window_days

AS_OF = date(2024, 3, 31)
USERS = {
    "a": {"plan": "free", "platform": "web"},
    "b": {"plan": "pro", "platform": "ios"},
    "c": {"plan": "team", "platform": "android"},
    "d": {"plan": "free", "consent_analytics": False},
    "e": {"plan": "free"},
}
EVENTS = [
    ("a", "signup", "2024-02-01 10:00", "s1"),
    ("a", "exercise", "2024-02-01 10:05", "s1", {"accuracy": 0.4, "duration_s": 120, "level": 1}),
    (
        "a",
        "exercise",
        "2024-03-10 09:00",
        "s2",
        {"accuracy": 0.5, "duration_s": 100, "level": 2, "feature": "search"},
    ),
    ("a", "exercise", "2024-03-25 09:00", "s3", {"accuracy": 0.9, "duration_s": 60, "level": 3}),
    ("a", "feature_use", "2024-03-25 09:05", "s3", {"feature": "flashcards"}),
    ("a", "exercise", "2024-03-31 23:59:59", "s4", {"accuracy": 0.7, "duration_s": 80, "level": 3}),
    # Exactly at the cut (midnight starting 1 April): after the as-of day, so never a feature.
    ("a", "exercise", "2024-04-01 00:00:00", "s4", {"accuracy": 0.1, "duration_s": 500, "level": 9}),
    ("a", "lesson", "2024-04-05 10:00", "s5"),
    ("b", "lesson", "2024-03-30 12:00", "b1"),
    ("b", "upgrade", "2024-04-02 12:00", "b2", {"from_plan": "free", "to_plan": "pro"}),
    ("c", "lesson", "2024-03-01 12:00", "c1"),
    ("c", "upgrade", "2024-03-20 12:00", "c2", {"from_plan": "free", "to_plan": "team"}),
    ("d", "lesson", "2024-03-30 12:00", "d1"),
    ("e", "lesson", "2024-04-03 12:00", "e1"),
]


@pytest.fixture
def filled(add):
    return add(EVENTS, users=USERS)


def test_features_of_one_user_by_hand(filled):
    found = user_features(filled, as_of=AS_OF).set_index("user_id")
    a = found.loc["a"]
    assert a["recency_days"] == 0 and a["tenure_days"] == 59  # 1 Feb .. 31 Mar
    # Active days 1 Feb, 10 Mar, 25 Mar, 31 Mar (the event at the cut belongs to 1 April).
    assert (a["active_days_7"], a["active_days_28"], a["active_days_30"], a["active_days_90"]) == (2, 3, 3, 4)
    assert a["active_share_90"] == pytest.approx(4 / 60)
    # Trend over 8 weeks: two days in the last week (x = 7), one in week x = 4: (2 * 3.5 + 0.5) / 42.
    assert a["weekly_trend"] == pytest.approx(7.5 / 42)
    assert a["recent_change_per_week"] == pytest.approx(2 - 1 / 3)
    assert a["events_per_session_28"] == pytest.approx(4 / 3)
    assert a["features_used_28"] == 2
    assert a["accuracy_30"] == pytest.approx((0.5 + 0.9 + 0.7) / 3)
    assert a["accuracy_change_30"] == pytest.approx(0.7 - 0.4)
    assert a["accuracy_90"] == pytest.approx((0.4 + 0.5 + 0.9 + 0.7) / 4)
    assert a["speed_s_30"] == pytest.approx((100 + 60 + 80) / 3)
    assert (a["exercises_total"], a["level"]) == (4, 3)
    assert (a["plan"], a["platform"]) == ("free", "web")


def test_population_plan_as_of_and_missing_ratios(filled):
    found = user_features(filled, as_of=AS_OF).set_index("user_id")
    # d withdrew consent; e's first event comes after the as-of day.
    assert list(found.index) == ["a", "b", "c"]
    # b upgraded after the cut: on 31 March they were still on the upgrade's from_plan.
    assert found.loc["b", "plan"] == "free" and found.loc["c", "plan"] == "team"
    assert found.loc["b", "recency_days"] == 1 and found.loc["c", "recency_days"] == 11
    assert np.isnan(found.loc["b", "accuracy_30"]) and np.isnan(found.loc["c", "speed_s_90"])
    # 1 March is 30 days before 31 March: outside "the last 30 days" (2 .. 31 March), inside the last 90.
    assert (found.loc["c", "active_days_30"], found.loc["c", "active_days_90"]) == (1, 2)


def test_outcomes_cover_the_following_days(filled):
    found = user_outcomes(filled, as_of=AS_OF, days=7).set_index("user_id")
    assert found["active_days_next"].to_dict() == {"a": 2.0, "b": 1.0, "e": 1.0}
    assert found.loc["a", "accuracy_next"] == pytest.approx(0.1)
    assert found.loc["a", "speed_s_next"] == pytest.approx(500)
    assert np.isnan(found.loc["b", "accuracy_next"])


def test_events_after_the_cut_change_nothing(filled, add):
    before = user_features(filled, as_of=AS_OF)
    later = [
        ("a", "exercise", "2024-04-01 00:00:01", "s4", {"accuracy": 0.0, "duration_s": 900, "level": 10}),
        ("b", "upgrade", "2024-04-01 08:00", "b3", {"from_plan": "free", "to_plan": "team"}),
        ("c", "lesson", "2024-06-01 08:00", "c3", {"feature": "search"}),
        ("f", "signup", "2024-04-01 00:00", "f1"),
    ]
    add(later, users={"f": {"plan": "free"}})
    pd.testing.assert_frame_equal(user_features(filled, as_of=AS_OF), before)


def test_windows_step_back_from_the_validation_day():
    train, validation = window_days(
        date(2025, 6, 30),
        horizon_days=30,
        first_day=date(2025, 1, 1),
        windows=4,
        step_days=28,
        min_history_days=28,
    )
    assert validation == date(2025, 5, 31)
    assert train == (date(2025, 2, 6), date(2025, 3, 6), date(2025, 4, 3), date(2025, 5, 1))
    shorter, _ = window_days(
        date(2025, 6, 30),
        horizon_days=30,
        first_day=date(2025, 2, 1),
        windows=4,
        step_days=28,
        min_history_days=28,
    )
    assert shorter == (date(2025, 3, 6), date(2025, 4, 3), date(2025, 5, 1))


def test_too_little_history_is_refused():
    with pytest.raises(AnalyticsError, match="at least 88 days of history"):
        window_days(
            date(2025, 3, 1),
            horizon_days=30,
            first_day=date(2025, 1, 1),
            windows=4,
            step_days=28,
            min_history_days=28,
        )


def test_data_span(filled, db):
    assert data_span(filled) == (date(2024, 2, 1), date(2024, 4, 5))


def test_empty_database_is_refused(db):
    with pytest.raises(AnalyticsError, match="has no activity yet"):
        data_span(db)
