"""forecast_series on plain (ds, y) frames: output shape, seasonality rules, clear errors, timing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.forecast import forecast_series
from analytics.forecast.prophet_model import trend_in_words

FORECAST_COLUMNS = [
    "date",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "yhat_lower_80",
    "yhat_upper_80",
    "yhat_lower_95",
    "yhat_upper_95",
]


def weekly_counts(days: int, *, growth_per_day: float = 0.0, seed: int = 42) -> pd.DataFrame:
    """Daily counts around 100 with a weekday pattern, optional growth and Poisson noise."""
    generator = np.random.default_rng(seed)
    t = np.arange(days)
    weekday = np.array([1.1, 1.1, 1.0, 1.0, 0.9, 0.8, 1.1])[t % 7]
    mean = 100 * weekday * (1 + growth_per_day * t)
    return pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=days), "y": generator.poisson(mean)})


@pytest.fixture(scope="module")
def rising() -> pd.DataFrame:
    return weekly_counts(120, growth_per_day=0.01)


@pytest.fixture(scope="module")
def rising_forecast(rising):
    return forecast_series(rising, horizon_days=14, interval=0.95)


def test_forecast_frame_has_both_intervals_and_the_chosen_one(rising_forecast):
    result = rising_forecast
    assert result.forecast.columns.tolist() == FORECAST_COLUMNS
    assert result.forecast["date"].tolist() == list(pd.date_range("2024-04-30", periods=14))
    frame = result.forecast
    assert (frame["yhat_lower_95"] <= frame["yhat_lower_80"]).all()
    assert (frame["yhat_lower_80"] <= frame["yhat"]).all() and (frame["yhat"] <= frame["yhat_upper_80"]).all()
    assert (frame["yhat_upper_80"] <= frame["yhat_upper_95"]).all()
    assert frame["yhat_lower"].equals(frame["yhat_lower_95"])
    narrower = result.with_interval(0.8).forecast
    assert narrower["yhat_upper"].equals(narrower["yhat_upper_80"])


def test_growth_is_described_and_prophet_beats_repeating_last_week(rising_forecast):
    result = rising_forecast
    # 1 a day on a level of about 220 at the end is about 14% a month.
    assert result.trend.startswith("rising about 1")
    assert result.trend.endswith("% a month")
    assert result.model == "prophet"
    assert result.backtest.winner == "prophet"
    assert "Prophet is shown: it beat the seasonal-naive baseline" in result.note
    assert (result.weekly_seasonality, result.yearly_seasonality) == (True, False)


def test_intervals_repeat_for_the_same_data(rising, rising_forecast):
    again = forecast_series(rising, horizon_days=14, interval=0.95, backtest_cutoffs=1)
    pd.testing.assert_frame_equal(again.forecast, rising_forecast.forecast)


def test_a_bend_in_the_trend_is_a_changepoint():
    flat_then_rising = weekly_counts(100, growth_per_day=0.0)
    flat_then_rising.loc[50:, "y"] += 3 * np.arange(50)
    result = forecast_series(flat_then_rising, horizon_days=7, backtest_cutoffs=1)
    rises = result.changepoints[result.changepoints["slope_change_per_month"] > 0]
    assert not rises.empty
    assert rises["date"].between("2024-02-05", "2024-03-05").any()


def test_counts_are_never_forecast_below_zero():
    falling = weekly_counts(60)
    falling["y"] = np.random.default_rng(7).poisson(np.maximum(1, 200 - 4 * np.arange(60)))
    result = forecast_series(falling, horizon_days=30, non_negative=True, backtest_cutoffs=1)
    assert (result.forecast.drop(columns="date") >= 0).all().all()
    assert result.trend.startswith("falling")


def test_a_constant_history_gets_a_flat_forecast():
    result = forecast_series(weekly_counts(30).assign(y=7), horizon_days=5)
    assert result.model == "constant"
    assert result.forecast["yhat"].tolist() == [7] * 5
    assert result.forecast["yhat_lower_95"].tolist() == [7] * 5
    assert result.trend == "flat"
    assert result.note == "The history is constant at 7, so the forecast repeats it; no model was fitted."


def test_short_history_has_no_backtest_and_says_so():
    result = forecast_series(weekly_counts(20), horizon_days=14)
    assert result.backtest is None
    assert result.model == "prophet"
    assert "its quality was not measured" in result.note


def test_weekly_and_monthly_series_forecast_whole_periods():
    weeks = pd.DataFrame(
        {"ds": pd.date_range("2024-01-01", periods=20, freq="W-MON"), "y": np.arange(20.0) ** 1.5}
    )
    result = forecast_series(weeks, grain="week", horizon_days=30, backtest_cutoffs=1)
    # 30 days need 5 weeks (rounded up), starting the Monday after the last one.
    assert result.forecast["date"].tolist() == list(pd.date_range("2024-05-20", periods=5, freq="W-MON"))
    assert (result.weekly_seasonality, result.yearly_seasonality) == (False, False)


def test_gaps_are_kept_as_missing_periods():
    with_gap = weekly_counts(40).drop(index=range(10, 15))
    result = forecast_series(with_gap, horizon_days=7, backtest_cutoffs=1)
    assert len(result.history) == 40
    assert result.history["value"].isna().sum() == 5


@pytest.mark.parametrize(
    ("frame", "options", "message"),
    [
        (weekly_counts(5), {}, "Forecasting needs at least 14 days of history, got 5."),
        (weekly_counts(30).head(0), {}, "needs at least 14 days of history, got 0"),
        (weekly_counts(30), {"interval": 0.9}, "The 'interval' option must be 0.8 or 0.95. Got 0.9."),
        (
            weekly_counts(30),
            {"horizon_days": 0},
            "The 'horizon_days' option must be between 1 and 730. Got 0.",
        ),
        (weekly_counts(30), {"holidays_country": "XX"}, "ISO country code such as US, DE or GB. Got 'XX'."),
        (weekly_counts(30), {"grain": "week"}, "the dates must be period starts"),
        (weekly_counts(30), {"grain": "hour"}, "The grain must be one of day, week, month. Got 'hour'."),
        (pd.concat([weekly_counts(20)] * 2), {}, "repeated dates"),
        (weekly_counts(20).rename(columns={"y": "value"}), {}, "needs the columns 'ds' and 'y'"),
    ],
)
def test_bad_input_is_explained(frame, options, message):
    with pytest.raises(AnalyticsError, match=message.replace(".", r"\.").replace("(", r"\(")):
        forecast_series(frame, **options)


def test_country_holidays_are_added():
    result = forecast_series(weekly_counts(60), horizon_days=7, holidays_country="de", backtest_cutoffs=1)
    assert result.holidays_country == "DE"


@pytest.mark.parametrize(
    ("change", "level", "words"),
    [
        (3.0, 100.0, "rising about 3% a month"),
        (-12.0, 100.0, "falling about 12% a month"),
        (0.3, 100.0, "rising about 4% a year"),
        (0.05, 100.0, "flat"),
        (0.0, 0.0, "flat"),
        (-0.02, 0.0, "falling about 0.02 a month"),
    ],
)
def test_trend_in_words(change, level, words):
    assert trend_in_words(change, level) == words
