"""Feature adoption shares and time to adopt over two weeks (Mondays 1 and 8 January 2024)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.engagement.adoption import feature_adoption, time_to_adopt
from analytics.filters import Filters
from analytics.viewer import SYSTEM


def used(user: str, day: str, feature: str | None) -> tuple:
    kind, properties = ("feature_use", {"feature": feature}) if feature else ("lesson", {})
    return (user, kind, f"{day} 10:00", f"{user}{day}", properties)


EVENTS = [
    used("a", "2024-01-01", "quiz"),
    used("a", "2024-01-02", None),
    used("a", "2024-01-08", "chat"),
    used("b", "2024-01-03", None),
    used("b", "2024-01-09", "quiz"),
    used("b", "2024-01-10", "quiz"),
    used("c", "2024-01-04", "quiz"),
    used("c", "2024-01-04", "chat"),
    used("d", "2024-01-11", None),
    used("e", "2023-12-20", None),  # first active before the range: not a newcomer
    used("e", "2023-12-21", "quiz"),
]
TWO_WEEKS = Filters(start=date(2024, 1, 1), end=date(2024, 1, 14), grain="week")
W1, W2 = date(2024, 1, 1), date(2024, 1, 8)


def adoption(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["period", "feature", "users_using", "active_users", "adoption_pct", "complete"]
    )
    return frame.astype({"users_using": "int64", "active_users": "int64", "adoption_pct": "float64"})


def test_share_of_active_users_per_week_and_feature(load):
    db = load(EVENTS)
    found = feature_adoption(db, SYSTEM, TWO_WEEKS, today=date(2024, 1, 10))
    expected = adoption(
        [
            (W1, "chat", 1, 3, 33.3, True),  # active a, b, c; chat: c
            (W1, "quiz", 2, 3, 66.7, True),  # quiz: a, c
            (W2, "chat", 1, 3, 33.3, False),  # active a, b, d; chat: a
            (W2, "quiz", 1, 3, 33.3, False),  # quiz: b (twice, counted once)
        ]
    )
    pd.testing.assert_frame_equal(found, expected)


def test_activity_types_narrow_the_active_users(load):
    db = load(EVENTS)
    lessons = Filters(start=TWO_WEEKS.start, end=TWO_WEEKS.end, grain="week", activity_types=("lesson",))
    found = feature_adoption(db, SYSTEM, lessons, today=date(2024, 2, 1))
    # Week 1 lesson users a, b (a used quiz); week 2: d only. Chat's only users (a in week 2, c) had no lesson.
    assert found[["feature", "users_using", "active_users"]].values.tolist() == [
        ["quiz", 1, 2],
        ["quiz", 0, 1],
    ]
    assert found["adoption_pct"].tolist() == [50.0, 0.0]


def test_time_to_adopt_median_and_p90(load):
    db = load(EVENTS)
    found = time_to_adopt(db, SYSTEM, TWO_WEEKS)
    # Newcomers a, b, c, d. quiz after 0 (a), 6 (b), 0 (c) days; chat after 7 (a), 0 (c) days.
    # p90 interpolates: quiz 0 + 0.8·(6 − 0) = 4.8; chat 0 + 0.9·(7 − 0) = 6.3.
    expected = pd.DataFrame(
        {
            "feature": ["quiz", "chat"],
            "users": [4, 4],
            "adopters": [3, 2],
            "adopted_pct": [75.0, 50.0],
            "median_days": [0.0, 3.5],
            "p90_days": [4.8, 6.3],
        }
    ).astype({"users": "int64", "adopters": "int64"})
    found["p90_days"] = np.round(found["p90_days"], 6)
    pd.testing.assert_frame_equal(found, expected)


def test_no_newcomers_gives_no_rows(db):
    assert time_to_adopt(db, SYSTEM, TWO_WEEKS).empty
