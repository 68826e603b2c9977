"""Prophet against the seasonal-naive baseline on two real public series (Prophet's own examples)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.forecast import forecast_series

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def real_series(name: str) -> pd.DataFrame:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is missing: the real test series live in ../shared/data next to the repository")
    return pd.read_csv(path)


def test_peyton_manning_page_views_prophet_beats_last_week_at_30_days():
    # Log daily page views 2007-12..2016-01 with gaps: strong weekly and yearly (NFL season) patterns.
    result = forecast_series(real_series("wp_log_peyton_manning.csv"), horizon_days=30)
    assert (result.weekly_seasonality, result.yearly_seasonality) == (True, True)
    scores = result.backtest.scores.set_index("model")
    # Measured: MASE 1.13 against 1.98, MAPE 4.6% against 8.5% over 4 cutoffs x 30 days.
    assert scores.loc["prophet", "mase"] < 0.8 * scores.loc["seasonal_naive", "mase"]
    assert scores.loc["prophet", "mape"] < scores.loc["seasonal_naive", "mape"]
    assert result.model == "prophet"


def test_two_years_of_daily_data_fit_in_under_two_seconds():
    two_years = real_series("wp_log_peyton_manning.csv").tail(730)
    result = forecast_series(two_years, horizon_days=30, backtest_cutoffs=1)
    # Measured 0.1-0.5 s for the fit and its interval draws (python -m bench.forecast).
    assert result.fit_seconds < 2


def test_monthly_retail_sales_prophet_beats_last_year():
    # US retail sales 1992..2016 (monthly): growth with a strong December peak.
    result = forecast_series(real_series("retail_sales.csv"), grain="month", horizon_days=365)
    assert (result.weekly_seasonality, result.yearly_seasonality) == (False, True)
    assert len(result.forecast) == 12
    scores = result.backtest.scores.set_index("model")
    # Measured: MASE 0.63 against 0.87 (same month last year), 4 cutoffs x 12 months.
    assert scores.loc["prophet", "mase"] < scores.loc["seasonal_naive", "mase"]
    assert result.model == "prophet"
    assert result.trend.startswith("rising")
