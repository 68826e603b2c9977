"""Performance: ratio-of-sums metrics, per-user benchmarks, trend words and movers, by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.performance import performance_movers, performance_over_time, performance_trends
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.behaviour.loading import load_events


def answer(user, timestamp, accuracy, seconds, completed, level):
    return (
        user,
        "exercise",
        timestamp,
        f"{user}-{timestamp[:10]}",
        {"accuracy": accuracy, "duration_s": seconds, "completed": completed, "level": level},
    )


WEEKS = [
    answer("a", "2024-01-01 10:00", 1.0, 30, True, 1),
    answer("a", "2024-01-02 10:00", 0.5, 90, False, 2),
    answer("b", "2024-01-03 10:00", 0.0, 60, True, 1),
    answer("c", "2024-01-04 10:00", 1.0, 20, True, 3),
    answer("c", "2024-01-04 11:00", 1.0, 20, True, 3),
    answer("c", "2024-01-05 10:00", 1.0, 20, True, 3),
    answer("a", "2024-01-09 10:00", 1.0, 30, True, 4),
]
TWO_WEEKS = Filters(start=date(2024, 1, 1), end=date(2024, 1, 14), grain="week")


@pytest.fixture
def weeks(db):
    return load_events(db, WEEKS, plans={"a": "pro", "b": "pro", "c": "free"})


def test_ratios_of_sums_and_per_user_quartiles(weeks):
    frame = performance_over_time(weeks, SYSTEM, TWO_WEEKS, today=date(2024, 1, 20))
    first = frame[frame["period"] == date(2024, 1, 1)].set_index("metric")
    # Accuracy 4.5 / 6 answers, not the mean of a 0.75, b 0.0 and c 1.0 (0.583).
    expected = pd.DataFrame(
        {
            "value": [0.75, 40.0, 5 / 6, 1.125, 2.0],
            "p25": [0.375, 40.0, 0.75, 0.375, 1.5],
            "median": [0.75, 60.0, 1.0, 0.75, 2.0],
            "p75": [0.875, 60.0, 1.0, 1.875, 2.5],
            "users": [3, 3, 3, 3, 3],
        },
        index=pd.Index(
            ["accuracy", "speed_s", "completion_rate", "efficiency", "skill_level"], name="metric"
        ),
    )
    pd.testing.assert_frame_equal(first[expected.columns], expected, check_dtype=False)
    second = frame[frame["period"] == date(2024, 1, 8)].set_index("metric")
    assert second.loc["accuracy", ["value", "median", "users"]].tolist() == [1.0, 1.0, 1]
    assert second.loc["skill_level", "value"] == 4.0
    assert frame["segment"].unique().tolist() == ["all"]
    assert frame["complete"].all()


def test_breakdown_by_plan_pools_small_groups(weeks):
    frame = performance_over_time(weeks, SYSTEM, TWO_WEEKS, breakdown="plan", today=date(2024, 1, 20))
    accuracy = frame[(frame["metric"] == "accuracy") & (frame["period"] == date(2024, 1, 1))]
    assert dict(zip(accuracy["segment"], accuracy["value"], strict=True)) == {"free": 1.0, "pro": 0.5}
    pooled = performance_over_time(
        weeks, SYSTEM, TWO_WEEKS, breakdown="plan", max_groups=1, today=date(2024, 1, 20)
    )
    accuracy = pooled[(pooled["metric"] == "accuracy") & (pooled["period"] == date(2024, 1, 1))]
    assert dict(zip(accuracy["segment"], accuracy["value"], strict=True)) == {"(other)": 1.0, "pro": 0.5}
    # c has no answers in week 2: its group's row is there, empty.
    empty = pooled[(pooled["segment"] == "(other)") & (pooled["period"] == date(2024, 1, 8))]
    assert empty["value"].isna().all() and (empty["users"] == 0).all()


def test_periods_in_progress_are_marked(weeks):
    frame = performance_over_time(weeks, SYSTEM, TWO_WEEKS, today=date(2024, 1, 10))
    assert frame.groupby("period")["complete"].first().to_dict() == {
        date(2024, 1, 1): True,
        date(2024, 1, 8): False,
    }


def test_bad_breakdown_is_named(weeks):
    with pytest.raises(
        AnalyticsError, match="'breakdown' parameter of performance_over_time must be one of plan"
    ):
        performance_over_time(weeks, SYSTEM, TWO_WEEKS, breakdown="colour")


def series(values, *, metric="accuracy", complete=None):
    count = len(values)
    return pd.DataFrame(
        {
            "period": pd.date_range("2024-01-01", periods=count, freq="W-MON").date,
            "segment": "all",
            "metric": metric,
            "value": values,
            "complete": complete if complete is not None else [True] * count,
        }
    )


@pytest.mark.parametrize(
    ("frame", "direction", "assessment"),
    [
        (series([0.50, 0.55, 0.61, 0.64, 0.70]), "rising", "improving"),
        (series([0.70, 0.64, 0.61, 0.55, 0.50]), "falling", "worsening"),
        (series([50.0, 55.0, 61.0, 64.0, 70.0], metric="speed_s"), "rising", "worsening"),
        (series([0.5, 0.5, 0.5, 0.5]), "flat", "steady"),
        (series([0.50, 0.70, 0.45, 0.68, 0.52]), "flat", "steady"),  # noise: not significant
        (series([0.5000, 0.5001, 0.5002, 0.5003, 0.5004]), "flat", "steady"),  # significant but under 2%
        (
            series([0.5, 0.5, 0.5, 0.9], complete=[True, True, True, False]),
            "flat",
            "steady",
        ),  # in progress: left out
        (series([0.5, 0.9, 0.2], complete=[True, True, False]), "unknown", "unknown"),  # two complete periods
    ],
)
def test_trend_words(frame, direction, assessment):
    trend = performance_trends(frame).iloc[0]
    assert (trend["direction"], trend["assessment"]) == (direction, assessment)


def test_an_empty_period_stays_a_gap_in_the_trend_line():
    trend = performance_trends(series([0.5, np.nan, 0.7, 0.8])).iloc[0]
    assert (trend["slope_per_period"], trend["periods"]) == (pytest.approx(0.1), 3)


def test_trend_numbers():
    trend = performance_trends(series([0.5, 0.6, 0.7, 0.8])).iloc[0]
    assert trend["slope_per_period"] == pytest.approx(0.1)
    assert trend["change_pct"] == pytest.approx(100 * 0.3 / 0.65)
    assert trend["periods"] == 4
    assert trend["p_value"] < 1e-6


HALVES = [  # 1-5 January is the first half of 1-10 January, 6-10 the second.
    *(answer("a", f"2024-01-0{day} 10:00", 0.5, 60, True, 2) for day in (1, 2)),
    *(answer("a", f"2024-01-0{day} 10:00", 1.0, 30, True, 3) for day in (6, 7)),
    *(answer("b", f"2024-01-0{day} 10:00", 0.8, 40, True, 5) for day in (2, 3)),
    *(answer("b", f"2024-01-0{day} 10:00", 0.4, 50, True, 5) for day in (8, 9)),
    answer("c", "2024-01-01 10:00", 0.0, 90, True, 1),  # one answer in the first half: too little activity
    *(answer("c", f"2024-01-0{day} 10:00", 1.0, 10, True, 4) for day in (6, 7, 8)),
    *(answer("d", f"2024-01-0{day} 10:00", 0.6, 45, True, 2) for day in (4, 5)),
    *(answer("d", "2024-01-10 10:00", 0.7, 45, True, 2) for _ in range(2)),
]
TEN_DAYS = Filters(start=date(2024, 1, 1), end=date(2024, 1, 10))


def test_movers_by_accuracy(db):
    load_events(db, HALVES)
    movers = performance_movers(db, SYSTEM, TEN_DAYS, min_activity=2)
    assert movers[["direction", "rank", "user_id"]].values.tolist() == [
        ["improved", 1, "a"],
        ["improved", 2, "d"],
        ["declined", 1, "b"],
    ]
    assert movers["change"].to_numpy() == pytest.approx([0.5, 0.1, -0.4])
    assert movers.loc[0, ["first_half", "second_half", "first_activity", "second_activity"]].tolist() == [
        0.5,
        1.0,
        2,
        2,
    ]
    top = performance_movers(db, SYSTEM, TEN_DAYS, min_activity=2, top_n=1)
    assert top["user_id"].tolist() == ["a", "b"]


def test_movers_where_lower_is_better(db):
    load_events(db, HALVES)
    movers = performance_movers(db, SYSTEM, TEN_DAYS, metric="speed_s", min_activity=2)
    # a: 60 -> 30 s per exercise (faster: improved); b: 40 -> 50 s (slower: declined); d unchanged.
    assert movers[["direction", "user_id", "change"]].values.tolist() == [
        ["improved", "a", -30.0],
        ["declined", "b", 10.0],
    ]
    assert (
        performance_movers(db, SYSTEM, TEN_DAYS, metric="speed_s", min_activity=1)["user_id"].tolist()[0]
        == "c"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"metric": "speed"}, "'metric' parameter of performance_movers must be one of accuracy, speed_s"),
        ({"top_n": 0}, "'top_n' parameter of performance_movers must be an int >= 1. Got 0"),
        (
            {"min_activity": 1.5},
            "'min_activity' parameter of performance_movers must be an int >= 1. Got 1.5",
        ),
    ],
)
def test_bad_mover_options(db, options, message):
    with pytest.raises(AnalyticsError, match=message):
        performance_movers(db, SYSTEM, TEN_DAYS, **options)


def test_movers_need_two_days(db):
    with pytest.raises(AnalyticsError, match="at least 2 days. Got 1"):
        performance_movers(db, SYSTEM, Filters(start=date(2024, 1, 1), end=date(2024, 1, 1)))


@pytest.mark.parametrize("call", [performance_over_time, performance_movers])
def test_members_may_not_see_performance(db, call):
    member = Viewer.for_role("mia", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        call(db, member, TWO_WEEKS)


def test_skill_level_rises_for_active_users(seeded_db):
    months = Filters(start=date(2024, 12, 1), end=date(2025, 6, 30), grain="month")
    over_time = performance_over_time(seeded_db, SYSTEM, months, today=date(2025, 7, 1))
    trend = performance_trends(over_time).set_index("metric")
    assert trend.loc["skill_level", "direction"] == "rising"
    # Users practising in both halves mostly reach a higher level in the second.
    movers = performance_movers(seeded_db, SYSTEM, months, metric="skill_level", top_n=1000, min_activity=3)
    counts = movers["direction"].value_counts()
    assert counts["improved"] > 3 * counts.get("declined", 0)
    assert np.isfinite(movers["change"]).all()
