"""Stickiness (exact and cumulative) and DAU/MAU against hand counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.engagement.stickiness import dau_mau, stickiness
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.viewer import SYSTEM


def days_of(user: str, *days: str) -> list[tuple]:
    return [(user, "lesson", f"{day} 12:00", f"{user}{day}") for day in days]


WEEKS = [
    *days_of("u1", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-08"),  # 3 days in week 1, 1 in week 2
    *days_of("u2", *(f"2024-01-0{n}" for n in range(1, 8))),  # every day of week 1
    *days_of("u3", "2024-01-09", "2024-01-10"),  # 2 days in week 2
    *days_of("u4", "2024-01-15"),  # week 3, still in progress
]
THREE_WEEKS = Filters(start=date(2024, 1, 1), end=date(2024, 1, 17))


def frame(users: list[int], shares: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"active_days": np.arange(1, len(users) + 1, dtype="int64"), "users": users, "share_pct": shares}
    ).astype({"users": "int64"})


def test_weekly_stickiness_counts_user_weeks_of_complete_weeks(load):
    db = load(WEEKS)
    found = stickiness(db, SYSTEM, THREE_WEEKS, today=date(2024, 1, 17))
    # User-weeks: u1 3 days and u2 7 days in week 1; u1 1 day and u3 2 days in week 2.
    pd.testing.assert_frame_equal(
        found, frame([1, 1, 1, 0, 0, 0, 1], [25.0, 25.0, 25.0, 0.0, 0.0, 0.0, 25.0])
    )


def test_cumulative_counts_at_least_n_days(load):
    db = load(WEEKS)
    found = stickiness(db, SYSTEM, THREE_WEEKS, cumulative=True, today=date(2024, 1, 17))
    pd.testing.assert_frame_equal(
        found, frame([4, 3, 2, 1, 1, 1, 1], [100.0, 75.0, 50.0, 25.0, 25.0, 25.0, 25.0])
    )


def test_monthly_stickiness_runs_to_the_months_length(load):
    db = load(WEEKS)
    found = stickiness(
        db,
        SYSTEM,
        Filters(start=date(2024, 1, 1), end=date(2024, 1, 31)),
        period="month",
        today=date(2024, 2, 5),
    )
    assert len(found) == 31
    counted = found[found["users"] > 0]
    assert counted["active_days"].tolist() == [1, 2, 4, 7]  # u4, u3, u1, u2
    assert counted["share_pct"].tolist() == [25.0] * 4


def test_no_complete_period_gives_zeros(load):
    db = load(WEEKS)
    found = stickiness(db, SYSTEM, THREE_WEEKS, today=date(2024, 1, 3))
    assert found["users"].sum() == 0
    assert found["share_pct"].tolist() == [0.0] * 7


def test_stickiness_period_is_checked(db):
    with pytest.raises(
        AnalyticsError, match="'period' option of stickiness must be one of 'week', 'month'. Got 'day'"
    ):
        stickiness(db, SYSTEM, THREE_WEEKS, period="day")


def test_dau_mau_counts_each_user_once_per_window(load):
    db = load(
        [
            *days_of("x", "2024-01-01"),  # in the MAU to 30 January
            *days_of("w", "2024-01-05", "2024-01-06"),  # to 4 February
            *days_of("y", "2024-01-15"),
            *days_of("z", "2024-02-02"),
        ]
    )
    found = dau_mau(
        db, SYSTEM, Filters(start=date(2024, 1, 29), end=date(2024, 2, 2)), today=date(2024, 2, 2)
    )
    expected = pd.DataFrame(
        {
            "day": [
                date(2024, 1, 29),
                date(2024, 1, 30),
                date(2024, 1, 31),
                date(2024, 2, 1),
                date(2024, 2, 2),
            ],
            "dau": [0, 0, 0, 0, 1],
            "mau": [3, 3, 2, 2, 3],
            "stickiness_pct": [0.0, 0.0, 0.0, 0.0, 33.3],
            "complete": [True, True, True, True, False],
        }
    ).astype({"dau": "int64", "mau": "int64"})
    pd.testing.assert_frame_equal(found, expected)
