"""Retention cohorts against hand-computed matrices (weeks start on Monday 1, 8, 15, 22 January 2024)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.engagement.retention import retention_average, retention_matrix, retention_users
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.viewer import SYSTEM

WEEKLY = [
    ("a", "lesson", "2024-01-01 10:00", "a1"),
    ("a", "lesson", "2024-01-09 10:00", "a2"),
    ("a", "exercise", "2024-01-23 10:00", "a3"),
    ("b", "lesson", "2024-01-02 10:00", "b1"),
    ("b", "exercise", "2024-01-16 10:00", "b2"),
    ("c", "lesson", "2024-01-10 10:00", "c1"),
    ("c", "lesson", "2024-01-17 09:00", "c2"),
    ("d", "lesson", "2023-12-20 10:00", "d1"),  # first ever before the range: in no first-time cohort
    ("d", "lesson", "2024-01-03 10:00", "d2"),
    ("d", "lesson", "2024-01-11 10:00", "d3"),
    ("e", "lesson", "2024-01-01 10:00", "e1"),  # withdrew consent: never counted
]
JANUARY = Filters(start=date(2024, 1, 1), end=date(2024, 1, 14))
THURSDAY_OF_WEEK_4 = date(2024, 1, 25)
W1, W2 = date(2024, 1, 1), date(2024, 1, 8)


@pytest.fixture
def weekly(load):
    return load(WEEKLY, withdrawn=("e",))


def matrix(cohorts: list[tuple[date, int, list[int]]], complete: list[list[bool]]) -> pd.DataFrame:
    """The expected long-form matrix from (cohort, size, retained per period) rows."""
    rows = []
    for (cohort, size, retained), done in zip(cohorts, complete, strict=True):
        for number, (users, finished) in enumerate(zip(retained, done, strict=True)):
            rows.append((cohort, size, number, users, round(100.0 * users / size, 1), finished))
    frame = pd.DataFrame(
        rows,
        columns=["cohort", "cohort_size", "period_number", "retained_users", "retention_pct", "complete"],
    )
    return frame.astype({"cohort_size": "int64", "period_number": "int64", "retained_users": "int64"})


WEEK_COMPLETE = [[True, True, True, False], [True, True, False]]


def test_first_time_on(weekly):
    found = retention_matrix(weekly, SYSTEM, JANUARY, today=THURSDAY_OF_WEEK_4)
    # W1: a, b. Back in W2: a; W3: b; W4 (in progress): a. W2: c, back in W3.
    expected = matrix([(W1, 2, [2, 1, 1, 1]), (W2, 1, [1, 1, 0])], WEEK_COMPLETE)
    pd.testing.assert_frame_equal(found, expected)


def test_first_time_on_or_after(weekly):
    found = retention_matrix(weekly, SYSTEM, JANUARY, return_mode="on_or_after", today=THURSDAY_OF_WEEK_4)
    # a's last return is in W4 (period 3), b's in W3 (period 2), c's in W3 (period 1 of W2).
    expected = matrix([(W1, 2, [2, 2, 2, 1]), (W2, 1, [1, 1, 0])], WEEK_COMPLETE)
    pd.testing.assert_frame_equal(found, expected)


def test_recurring_cohorts_take_every_active_period(weekly):
    found = retention_matrix(weekly, SYSTEM, JANUARY, cohort_mode="recurring", today=THURSDAY_OF_WEEK_4)
    # W1: a, b, d (d's first event is older but counts here); W2: a, c, d.
    expected = matrix([(W1, 3, [3, 2, 1, 1]), (W2, 3, [3, 1, 1])], WEEK_COMPLETE)
    pd.testing.assert_frame_equal(found, expected)


def test_specific_start_and_return_events(weekly):
    found = retention_matrix(
        weekly, SYSTEM, JANUARY, start_event="lesson", return_event="exercise", today=THURSDAY_OF_WEEK_4
    )
    # Only b (W3) and a (W4) ever do an exercise.
    expected = matrix([(W1, 2, [0, 0, 1, 1]), (W2, 1, [0, 0, 0])], WEEK_COMPLETE)
    pd.testing.assert_frame_equal(found, expected)


def test_weighted_average_uses_complete_cells_only(weekly):
    found = retention_average(retention_matrix(weekly, SYSTEM, JANUARY, today=THURSDAY_OF_WEEK_4))
    expected = pd.DataFrame(
        {
            "period_number": [0, 1, 2],
            "cohorts": [2, 2, 1],
            "cohort_size": [3, 3, 2],
            "retained_users": [3, 2, 1],
            "retention_pct": [100.0, 66.7, 50.0],
        }
    ).astype(
        {"period_number": "int64", "cohorts": "int64", "cohort_size": "int64", "retained_users": "int64"}
    )
    pd.testing.assert_frame_equal(found, expected)


def test_periods_caps_the_columns(weekly):
    found = retention_matrix(
        weekly, SYSTEM, JANUARY, return_mode="on_or_after", periods=2, today=THURSDAY_OF_WEEK_4
    )
    assert found["period_number"].max() == 1
    # Returns beyond the cap still count for 'on or after'.
    assert found["retained_users"].tolist() == [2, 2, 1, 1]


def test_cell_members_who_returned_or_not(weekly):
    found = retention_users(weekly, SYSTEM, JANUARY, cohort=W1, period_number=1, today=THURSDAY_OF_WEEK_4)
    pd.testing.assert_frame_equal(found, pd.DataFrame({"user_id": ["a", "b"], "returned": [True, False]}))


# Daily cohort of 1 February 2024: f, g and h, with returns at exact hours.
HOURLY = [
    ("f", "lesson", "2024-02-01 20:00", "f1"),
    ("f", "lesson", "2024-02-02 10:00", "f2"),  # 14 h after f's start: rolling day 0, calendar day 1
    ("f", "lesson", "2024-02-03 19:00", "f3"),  # 47 h: rolling day 1, calendar day 2
    ("g", "lesson", "2024-02-01 08:00", "g1"),
    ("g", "lesson", "2024-02-02 09:00", "g2"),  # 25 h: rolling day 1
    ("h", "exercise", "2024-02-01 06:00", "h1"),
    ("h", "lesson", "2024-02-01 12:00", "h1"),
    ("h", "lesson", "2024-02-02 11:00", "h2"),  # 29 h after the exercise, 23 h after the lesson
]
FEBRUARY_1 = Filters(start=date(2024, 2, 1), end=date(2024, 2, 1))
F1 = date(2024, 2, 1)


@pytest.mark.parametrize(
    ("window", "start_event", "retained"),
    [
        ("calendar", None, [3, 3, 1]),
        ("rolling_24h", None, [3, 3, 0]),
        ("rolling_24h", "lesson", [3, 2, 0]),  # h starts at the 12:00 lesson, so 11:00 next day is day 0
    ],
)
def test_calendar_against_rolling_24h_windows(load, window, start_event, retained):
    db = load(HOURLY)
    found = retention_matrix(
        db,
        SYSTEM,
        FEBRUARY_1,
        period="day",
        window=window,
        start_event=start_event,
        periods=3,
        today=date(2024, 2, 10),
    )
    pd.testing.assert_frame_equal(found, matrix([(F1, 3, retained)], [[True, True, True]]))


def test_rolling_cells_end_a_day_later(load):
    db = load(HOURLY)
    found = retention_matrix(
        db, SYSTEM, FEBRUARY_1, period="day", window="rolling_24h", today=date(2024, 2, 3)
    )
    # Day 1 windows of users who started late on 1 Feb run into 3 Feb, still in progress.
    assert found["complete"].tolist() == [True, False, False]
    calendar = retention_matrix(db, SYSTEM, FEBRUARY_1, period="day", today=date(2024, 2, 3))
    assert calendar["complete"].tolist() == [True, True, False]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"period": "year"},
            "'period' option of retention_matrix must be one of 'day', 'week', 'month'. Got 'year'",
        ),
        ({"cohort_mode": "all"}, "'cohort_mode' option .* Got 'all'"),
        ({"return_mode": "after"}, "'return_mode' option .* Got 'after'"),
        ({"window": "hourly"}, "'window' option .* Got 'hourly'"),
        ({"window": "rolling_24h", "period": "week"}, "only with period='day'. Got period='week'"),
        ({"start_event": " "}, "'start_event' option .* activity type or None"),
        ({"periods": 0}, "'periods' option .* >= 1. Got 0"),
    ],
)
def test_bad_options_are_named(db, options, message):
    with pytest.raises(AnalyticsError, match=message):
        retention_matrix(db, SYSTEM, JANUARY, **options)


def test_empty_database_gives_an_empty_matrix(db):
    found = retention_matrix(db, SYSTEM, JANUARY, today=THURSDAY_OF_WEEK_4)
    assert found.empty
    assert list(found.columns) == [
        "cohort",
        "cohort_size",
        "period_number",
        "retained_users",
        "retention_pct",
        "complete",
    ]
