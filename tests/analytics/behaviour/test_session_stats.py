"""Session figures: duration and size histograms, bounces, quality and the weekly trend."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.behaviour.period_grid import mark_periods, period_starts
from analytics.behaviour.sessions import session_stats
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.viewer import SYSTEM

EVENTS = [
    ("a", "session_start", "2024-01-01 10:00:00", "s1"),  # 1 event, 0 s: a bounce
    ("a", "session_start", "2024-01-02 10:00:00", "s2"),  # 3 events over 300 s, with exercises
    ("a", "exercise", "2024-01-02 10:01:00", "s2"),
    ("a", "exercise", "2024-01-02 10:05:00", "s2"),
    ("b", "session_start", "2024-01-03 12:00:00", "s3"),  # 2 events over 45 s, one feature
    ("b", "feature_use", "2024-01-03 12:00:45", "s3", {"feature": "search"}),
    ("b", "lesson", "2024-01-09 08:00:00", "s4"),  # week 2: a one-event lesson, bounce and quality
]
# Weeks of 1-7 and 8-14 January 2024; on 10 January the second is still in progress.
PERIOD = Filters(start=date(2024, 1, 1), end=date(2024, 1, 14), grain="week")
TODAY = date(2024, 1, 10)


@pytest.fixture
def filled(load):
    return load(EVENTS)


def test_headline_figures(filled):
    stats = session_stats(filled, SYSTEM, PERIOD, today=TODAY)
    assert (stats.sessions, stats.users) == (4, 2)
    assert stats.median_duration_s == 22.5  # of 0, 0, 45, 300
    assert stats.mean_duration_s == 86.25
    assert stats.mean_events == 1.75
    assert stats.mean_features == 0.25
    assert stats.bounce_rate == 0.5  # s1, s4
    assert stats.quality_rate == 0.5  # s2 (exercises), s4 (lesson)


def test_histograms(filled):
    stats = session_stats(filled, SYSTEM, PERIOD, today=TODAY)
    durations = dict(
        zip(stats.duration_histogram["duration"], stats.duration_histogram["sessions"], strict=True)
    )
    assert durations == {
        "<10s": 2,
        "10–30s": 0,
        "30s–1m": 1,
        "1–2m": 0,
        "2–5m": 0,
        "5–10m": 1,
        "10–20m": 0,
        "20–30m": 0,
        "30–60m": 0,
        "1h+": 0,
    }
    assert stats.events_histogram["sessions"].tolist() == [2, 1, 1, 0, 0, 0]
    assert stats.features_histogram["sessions"].tolist() == [3, 1, 0, 0, 0, 0]


def test_weekly_trend_marks_the_week_in_progress(filled):
    trend = session_stats(filled, SYSTEM, PERIOD, today=TODAY).trend
    expected = pd.DataFrame(
        {
            "period": [date(2024, 1, 1), date(2024, 1, 8)],
            "sessions": [3, 1],
            "users": [2, 1],
            "mean_duration_s": [115.0, 0.0],
            "median_duration_s": [45.0, 0.0],
            "mean_events": [2.0, 1.0],
            "bounce_rate": [1 / 3, 1.0],
            "quality_rate": [1 / 3, 1.0],
            "complete": [True, False],
        }
    )
    pd.testing.assert_frame_equal(trend, expected, check_dtype=False)


def test_a_wider_bounce_threshold(filled):
    assert session_stats(filled, SYSTEM, PERIOD, bounce_max_events=2, today=TODAY).bounce_rate == 0.75


def test_bad_threshold_is_named(filled):
    with pytest.raises(
        AnalyticsError, match="'bounce_max_events' parameter of session_stats must be an int >= 1. Got 0"
    ):
        session_stats(filled, SYSTEM, PERIOD, bounce_max_events=0)


def test_empty_period(filled):
    stats = session_stats(filled, SYSTEM, Filters(start=date(2025, 1, 1), end=date(2025, 1, 2)), today=TODAY)
    assert (stats.sessions, stats.bounce_rate, stats.median_duration_s) == (0, None, None)
    assert stats.trend["sessions"].tolist() == [0, 0]


@pytest.mark.parametrize(
    ("start", "end", "grain", "starts", "complete"),
    [
        # Cut by the filter at both ends: only the whole week counts towards trends.
        (
            date(2024, 1, 3),
            date(2024, 1, 16),
            "week",
            [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)],
            [False, True, False],
        ),
        (
            date(2024, 1, 1),
            date(2024, 3, 31),
            "month",
            [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)],
            [True, True, False],
        ),
    ],
)
def test_period_grid(start, end, grain, starts, complete):
    filters = Filters(start=start, end=end, grain=grain)
    assert period_starts(filters) == starts
    marked = mark_periods(pd.DataFrame({"period": starts}), filters, today=date(2024, 3, 31))
    assert marked["complete"].tolist() == complete


def test_members_may_not_see_sessions(db, member):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        session_stats(db, member, PERIOD)
