"""Engagement score formula, bands and distribution on four hand-scored users (as of 28 January 2024)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from analytics.engagement.score import band_counts, band_of, engagement_distribution, engagement_scores
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.viewer import SYSTEM

POWER_DAYS = [date(2024, 1, 7) + timedelta(days=n) for n in range(22)]
EVENTS = [
    # v: active every day from 7 to 28 January (22 days), six features, one one-event session a day.
    *[
        ("v", "feature_use", f"{day} 09:00", f"v{n}", {"feature": f"f{n % 6}"})
        for n, day in enumerate(POWER_DAYS)
    ],
    # m: 26 and 27 January, features quiz and chat, sessions of 3 and 1 events.
    ("m", "feature_use", "2024-01-26 10:00", "m1", {"feature": "quiz"}),
    ("m", "lesson", "2024-01-26 10:05", "m1", {}),
    ("m", "lesson", "2024-01-26 10:10", "m1", {}),
    ("m", "feature_use", "2024-01-27 10:00", "m2", {"feature": "chat"}),
    # o: one event on 1 January, the first day of the 28-day window.
    ("o", "lesson", "2024-01-01 10:00", "o1", {}),
    # n: active in the filter range but not in the last 28 days.
    ("n", "feature_use", "2023-12-10 10:00", "n1", {"feature": "quiz"}),
    ("x", "lesson", "2024-01-27 10:00", "x1", {}),  # withdrew consent
]
RANGE = Filters(start=date(2023, 12, 1), end=date(2024, 1, 28))


def test_scores_follow_the_documented_formula(load):
    db = load(EVENTS, withdrawn=("x",))
    found = engagement_scores(db, SYSTEM, RANGE)
    # v: 100 × (0.25·1 + 0.40·1 + 0.20·1 + 0.15·1/20) = 85.75 → 86
    # m: 100 × (0.25·27/28 + 0.40·2/20 + 0.20·2/5 + 0.15·2/20) = 37.61 → 38
    # o: 100 × (0.25·1/28 + 0.40·1/20 + 0 + 0.15·1/20) = 3.64 → 4
    # n: nothing in the window → 0
    expected = pd.DataFrame(
        {
            "user_id": ["v", "m", "o", "n"],
            "recency_days": [0, 1, 27, 49],
            "frequency": [22, 2, 1, 0],
            "breadth": [6, 2, 0, 0],
            "depth": [1.0, 2.0, 1.0, 0.0],
            "score": [86, 38, 4, 0],
            "band": ["power", "medium", "dormant", "dormant"],
        }
    ).astype({"recency_days": "int64", "frequency": "int64", "breadth": "int64", "score": "int64"})
    pd.testing.assert_frame_equal(found, expected)


def test_as_of_moves_the_window(load):
    db = load(EVENTS, withdrawn=("x",))
    found = engagement_scores(db, SYSTEM, RANGE, as_of=date(2024, 1, 26)).set_index("user_id")
    assert found.loc["m", ["recency_days", "frequency", "breadth", "depth"]].tolist() == [0, 1, 1, 3.0]


def test_as_of_before_the_range_is_refused(db):
    with pytest.raises(
        AnalyticsError, match="'as_of' option must be on or after the filters' start 2023-12-01"
    ):
        engagement_scores(db, SYSTEM, RANGE, as_of=date(2023, 11, 30))


def test_distribution_and_band_counts(load):
    db = load(EVENTS, withdrawn=("x",))
    histogram = engagement_distribution(db, SYSTEM, RANGE)
    assert len(histogram) == 20 and histogram["users"].sum() == 4
    filled = histogram[histogram["users"] > 0]
    assert filled[["score_from", "score_to", "band", "users", "share_pct"]].values.tolist() == [
        [0, 5, "dormant", 2, 50.0],
        [35, 40, "medium", 1, 25.0],
        [85, 90, "power", 1, 25.0],
    ]
    bands = band_counts(histogram)
    assert bands["band"].tolist() == ["dormant", "low", "medium", "high", "power"]
    assert bands["users"].tolist() == [2, 0, 1, 0, 1]


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "dormant"), (4, "dormant"), (5, "low"), (49, "medium"), (50, "high"), (100, "power")],
)
def test_band_thresholds(score, band):
    assert band_of(score) == band
