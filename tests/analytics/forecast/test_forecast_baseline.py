"""The seasonal-naive baseline and the rolling-origin backtest, against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.forecast.backtest import BASELINE, PROPHET, backtest, cutoff_indexes
from analytics.forecast.baseline import SeasonalNaive, season_length


def daily(values: list[float], start: str = "2024-01-01") -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(values), freq="D"), "y": values})


def test_daily_baseline_repeats_the_same_weekday_of_the_last_week():
    model = SeasonalNaive(grain="day").fit(daily(list(range(1, 11))))
    # The last week is days 4..10; days 11, 12, 13 repeat 4, 5, 6 and day 18 repeats 4 again.
    np.testing.assert_array_equal(model.predict_mean(8), [4, 5, 6, 7, 8, 9, 10, 4])
    # Every one-week difference is 7.
    assert model.scale() == 7


def test_a_missing_weekday_goes_back_another_season_then_to_the_latest_value():
    values = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan, 12, 13, 14]
    model = SeasonalNaive(grain="day").fit(daily(values))
    # Day 15 repeats day 8 (8); day 18 would repeat day 11 (missing), so day 4 (4).
    np.testing.assert_array_equal(model.predict_mean(4), [8, 9, 10, 4])
    gaps = SeasonalNaive(grain="day").fit(daily([np.nan] * 6 + [5.0]))
    assert gaps.predict_mean(1)[0] == 5


@pytest.mark.parametrize(
    ("grain", "periods", "expected"),
    [("day", 10, 7), ("week", 103, 1), ("week", 104, 52), ("month", 23, 1), ("month", 24, 12)],
)
def test_season_length_needs_two_seasons_for_weeks_and_months(grain, periods, expected):
    assert season_length(grain, periods) == expected


def test_intervals_come_from_backtest_errors():
    model = SeasonalNaive(grain="day").fit(daily(list(range(1, 11))))
    with pytest.raises(AnalyticsError, match="backtest errors"):
        model.predict(pd.date_range("2024-01-11", periods=2))
    model.with_residuals(np.array([-2.0, -1.0, 0.0, 1.0, 2.0, np.nan]))
    predicted = model.predict(pd.date_range("2024-01-11", periods=2), widths=(0.8,))
    # Quantiles 10% and 90% of (-2, -1, 0, 1, 2) are -1.6 and 1.6.
    np.testing.assert_allclose(predicted["yhat_lower_80"], [4 - 1.6, 5 - 1.6])
    np.testing.assert_allclose(predicted["yhat_upper_80"], [4 + 1.6, 5 + 1.6])


@pytest.mark.parametrize(
    ("periods", "min_train", "expected"),
    [(100, 14, [74, 79, 84, 89]), (100, 80, [79, 84, 89]), (20, 14, []), (25, 14, [14])],
)
def test_cutoffs_step_back_half_a_horizon(periods, min_train, expected):
    assert cutoff_indexes(periods, horizon=10, cutoffs=4, min_train=min_train) == expected


def test_on_a_straight_line_the_baseline_scores_mase_one_and_prophet_wins():
    # y = 10 + 2t: repeating last week is off by 14 on every day of the week ahead, which is also
    # the history's one-week change, so the baseline's MASE is exactly 1.
    line = daily([10.0 + 2 * t for t in range(70)])
    result = backtest(line, grain="day", horizon=7, cutoffs=3)
    assert result.score(BASELINE, "mase") == 1
    assert result.score(BASELINE, "mae") == 14
    np.testing.assert_array_equal(result.baseline_residuals, [14.0] * 21)
    assert result.score(PROPHET, "mase") < 0.01
    assert result.winner == PROPHET
    assert result.scores["points"].tolist() == [21, 21]


def test_on_a_pure_weekly_pattern_the_exact_baseline_wins():
    pattern = daily([0.0, 9, 9, 8, 7, 2, 1] * 8)
    result = backtest(pattern, grain="day", horizon=7, cutoffs=2)
    # The one-week change is 0, so MASE is undefined and the winner is decided on MAE.
    assert np.isnan(result.score(BASELINE, "mase"))
    assert result.score(BASELINE, "mae") == 0
    assert result.winner == BASELINE
    # MAPE leaves out the Mondays (actual 0); MAE and the point count keep them.
    assert result.score(BASELINE, "mape") == 0
    assert result.score(BASELINE, "points") == 14


def test_no_backtest_when_the_history_is_too_short():
    assert backtest(daily([1.0] * 20), grain="day", horizon=10, min_train=14) is None
