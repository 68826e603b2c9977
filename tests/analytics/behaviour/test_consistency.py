"""Consistency: active weeks, streaks (gaps and islands) and regularity against hand-computed values."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.behaviour.consistency import consistency, consistency_summary
from analytics.errors import PermissionDenied
from analytics.filters import Filters
from analytics.viewer import SYSTEM

# Four Monday weeks: 1-7, 8-14, 15-21 and 22-28 January 2024.
PERIOD = Filters(start=date(2024, 1, 1), end=date(2024, 1, 28))
ACTIVE_DAYS = {
    "a": [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-05",
        "2024-01-08",
        "2024-01-09",
        "2024-01-27",
        "2024-01-28",
    ],
    "b": ["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-08", "2024-01-10"],
    "c": ["2024-01-20", "2024-01-21", "2024-01-22"],  # first active ever on Saturday of week 3
    "d": ["2023-12-20", "2024-01-27"],  # active before the period too
    "w": ["2024-01-01", "2024-01-02"],  # withdrew consent
}


def _events() -> list[tuple]:
    events = [
        (user, "lesson", f"{day} 12:00", f"{user}-{day}")
        for user, days in ACTIVE_DAYS.items()
        for day in days
    ]
    events.append(("a", "exercise", "2024-01-01 12:30", "a-2024-01-01"))  # a second row for that day
    return events


@pytest.fixture
def filled(load):
    return load(_events(), withdrawn=("w",))


def test_per_user_consistency(filled):
    # b's gaps 2, 2, 3, 2: mean 2.25, population std sqrt(0.1875) = 0.4330, so 1 - 0.4330 / 2.25.
    # a's gaps 1, 1, 2, 3, 1, 18 vary more than their mean: clipped to 0. c's gaps 1, 1: perfectly regular.
    expected = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d"],
            "active_days": [8, 5, 3, 1],
            "active_weeks": [3, 2, 2, 1],
            "weeks_in_period": [4, 4, 2, 4],
            "share_weeks_active": [0.75, 0.5, 1.0, 0.25],
            "longest_streak_days": [3, 1, 3, 1],
            "current_streak_days": [2, 0, 0, 1],
            "regularity": [0.0, 1 - 0.1875**0.5 / 2.25, 1.0, None],
        }
    )
    pd.testing.assert_frame_equal(consistency(filled, SYSTEM, PERIOD), expected, check_dtype=False)


def test_activity_types_choose_the_days(filled):
    both = Filters(start=PERIOD.start, end=PERIOD.end, activity_types=("exercise", "lesson"))
    assert consistency(filled, SYSTEM, both)["active_days"].tolist() == [8, 5, 3, 1]
    exercise = consistency(
        filled, SYSTEM, Filters(start=PERIOD.start, end=PERIOD.end, activity_types=("exercise",))
    )
    assert exercise[["user_id", "active_days", "longest_streak_days"]].values.tolist() == [["a", 1, 1]]


def test_summary_distribution(filled):
    summary = consistency_summary(consistency(filled, SYSTEM, PERIOD))
    assert summary.users == 4
    assert summary.median_share_weeks_active == 0.625
    assert summary.median_longest_streak_days == 2.0
    assert summary.median_regularity == pytest.approx(1 - 0.1875**0.5 / 2.25)
    assert summary.users_on_streak == 2
    assert summary.share_histogram["users"].tolist() == [0, 0, 1, 0, 0, 1, 0, 1, 0, 1]
    assert summary.share_histogram.iloc[-1][["lower", "upper"]].tolist() == [0.9, 1.0]
    assert dict(
        zip(summary.streak_histogram["longest_streak"], summary.streak_histogram["users"], strict=True)
    ) == {"1": 2, "2": 0, "3–6": 2, "7–13": 0, "14–29": 0, "30+": 0}


def test_an_empty_period_has_no_users(filled):
    empty = consistency(filled, SYSTEM, Filters(start=date(2025, 1, 1), end=date(2025, 1, 31)))
    assert empty.empty
    summary = consistency_summary(empty)
    assert (summary.users, summary.median_share_weeks_active, summary.share_histogram["users"].sum()) == (
        0,
        None,
        0,
    )


def test_members_may_not_see_consistency(db, member):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        consistency(db, member, PERIOD)
