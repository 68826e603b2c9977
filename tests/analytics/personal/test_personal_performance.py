"""Performance: values, the usual of the previous periods, trends and standing among peers, by hand."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.errors import PermissionDenied
from analytics.filters import Filters
from analytics.peers import self_comparison
from analytics.personal.activity import daily_rows
from analytics.personal.performance import (
    METRICS,
    SUMMARY_COLUMNS,
    performance_summary,
    period_values,
    trend_of,
    usual_values,
    weekly_performance,
)
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.personal.personal_data import AS_OF, daily, fill
from tests.conftest import SEEDED_END

ANA = Viewer.for_role("ana-account", "member", user_id="ana")
PERIOD = Filters(start=AS_OF - timedelta(days=27), end=AS_OF)  # 15 February to 13 March


@pytest.fixture
def filled(db):
    return fill(db)


def test_performance_summary(filled):
    # In the period ana did 4 exercises (26-29 Feb: accuracy 1, 60 s, level 3) and 2 on 11 March (0.5,
    # 60 s, level 3): accuracy 5/6, 60 s. The previous period (18 Jan - 14 Feb) holds one exercise (0.5,
    # 90 s, level 2); earlier ones end before her first day. Peers p1..p5: accuracy 0.1 0.3 0.5 0.9 0.95,
    # 30 50 70 90 110 s, levels 1-5; no one has a completed flag.
    found = performance_summary(filled, ANA, "ana", PERIOD)
    expected = pd.DataFrame(
        {
            "metric": list(METRICS),
            "label": ["Accuracy", "Seconds per exercise", "Completion rate", "Skill level"],
            "value": [5 / 6, 60.0, np.nan, 3.0],
            "usual": [0.5, 90.0, np.nan, 2.0],
            "change_pct": [100 * (5 / 6 - 0.5) / 0.5, -100 / 3, np.nan, 50.0],
            "trend": ["better", "better", "", "better"],
            "percentile": [60.0, 40.0, np.nan, 50.0],
            "ahead_of_pct": [60.0, 60.0, np.nan, 50.0],
            "peers": [5, 5, 0, 5],
            "note": ["", "", "too few peers (0 < 5)", ""],
        },
        columns=SUMMARY_COLUMNS,
    )
    pd.testing.assert_frame_equal(found, expected)
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        performance_summary(filled, Viewer.for_role("b", "member", user_id="bob"), "ana", PERIOD)


@pytest.mark.parametrize(
    ("metric", "change_pct", "expected"),
    [
        ("accuracy", 5.0, "better"),
        ("accuracy", 4.9, "steady"),
        ("accuracy", -4.9, "steady"),
        ("accuracy", -5.0, "worse"),
        ("speed_s", -10.0, "better"),
        ("speed_s", 10.0, "worse"),
        ("skill_level", np.nan, ""),
    ],
)
def test_trend_of(metric, change_pct, expected):
    assert trend_of(metric, change_pct) == expected


def test_period_values_are_ratios_of_sums():
    rows = daily(
        [
            {"day": date(2024, 3, 1), "accuracy_sum": 1.0, "accuracy_count": 1, "exercise_seconds": 100.0,
             "exercise_count": 1, "completed_count": 0, "completable_count": 1, "max_level": 2},
            {"day": date(2024, 3, 2), "accuracy_sum": 1.5, "accuracy_count": 3, "exercise_seconds": 80.0,
             "exercise_count": 3, "completed_count": 2, "completable_count": 2},
            {"day": date(2024, 3, 9), "accuracy_sum": 9.0, "accuracy_count": 9, "max_level": 7},
        ]
    )  # fmt: skip
    assert period_values(rows, date(2024, 3, 1), date(2024, 3, 7)) == {
        "accuracy": 2.5 / 4,
        "speed_s": 180.0 / 4,
        "completion_rate": 2 / 3,
        "skill_level": 2.0,
    }
    empty = period_values(rows, date(2024, 3, 3), date(2024, 3, 8))
    assert all(np.isnan(value) for value in empty.values())


def test_usual_values_agree_with_self_comparison(seeded_db):
    period = Filters(start=SEEDED_END - timedelta(days=27), end=SEEDED_END)
    users = seeded_db.query("SELECT user_id FROM users WHERE consent_analytics ORDER BY user_id")["user_id"][
        ::40
    ]
    for user in users:
        expected = self_comparison(seeded_db, SYSTEM, user, period, periods=4).set_index("metric")[
            "history_mean"
        ]
        found = usual_values(daily_rows(seeded_db, user, until=period.start - timedelta(days=1)), period)
        pd.testing.assert_series_equal(found, expected[list(METRICS)], check_names=False, rtol=1e-9)


def test_weekly_performance(filled):
    found = weekly_performance(filled, ANA, "ana", as_of=AS_OF, weeks=3)
    expected = pd.DataFrame(
        {
            "week_start": [date(2024, 2, 26), date(2024, 3, 4), date(2024, 3, 11)],
            "accuracy": [1.0, np.nan, 0.5],
            "speed_s": [60.0, np.nan, 60.0],
            "completion_rate": [np.nan, np.nan, np.nan],
            "skill_level": [3.0, np.nan, 3.0],
            "complete": [True, True, False],
        }
    )
    pd.testing.assert_frame_equal(found, expected)
