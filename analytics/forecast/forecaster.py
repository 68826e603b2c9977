"""Forecast a series with Prophet, measure it against the seasonal-naive baseline, show the better one.

`forecast_series` works on any (ds, y) frame (the real test series use it); `forecast` computes a
metric spec from the database first and caches the result per spec, filters, options and data version.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import GRAINS, Filters, Grain
from analytics.forecast import cache
from analytics.forecast.backtest import BASELINE, PROPHET, Backtest, backtest
from analytics.forecast.baseline import SeasonalNaive
from analytics.forecast.prophet_model import (
    DAYS_PER_MONTH,
    ProphetForecaster,
    interval_columns,
    trend_in_words,
)
from analytics.metrics import MetricSpec, metric_series
from analytics.periods import today_in_zone
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

INTERVALS = (0.8, 0.95)
MIN_HISTORY = {"day": 14, "week": 8, "month": 12}
GRAIN_WORDS = {"day": "days", "week": "weeks", "month": "months"}
FREQUENCY = {"day": "D", "week": "W-MON", "month": "MS"}
MAX_HORIZON_DAYS = 730
CONSTANT = "constant"


@dataclass(frozen=True)
class ForecastResult:
    """A forecast and the evidence for trusting it.

    - history: date, value — the periods the models saw (missing values are gaps);
    - forecast: the shown model's forecast — date, yhat, yhat_lower, yhat_upper (the chosen `interval`)
      and yhat_lower_80, yhat_upper_80, yhat_lower_95, yhat_upper_95;
    - prophet_forecast / baseline_forecast: both models' forecasts, same columns (None when not made);
    - model: "prophet", "seasonal_naive" (Prophet lost the backtest) or "constant" (flat history);
    - changepoints: date, slope_change_per_month — where Prophet's trend rate changed meaningfully;
    - trend: the trend in words ("rising about 3% a month", "flat", "falling about 5% a month");
    - backtest: MAPE/MASE of both models (None when the history is too short to backtest);
    - note: one sentence on which forecast is shown and why.
    """

    grain: Grain
    interval: float
    history: pd.DataFrame
    forecast: pd.DataFrame
    prophet_forecast: pd.DataFrame | None
    baseline_forecast: pd.DataFrame | None
    model: str
    changepoints: pd.DataFrame
    trend: str
    weekly_seasonality: bool
    yearly_seasonality: bool
    holidays_country: str | None
    backtest: Backtest | None
    note: str
    fit_seconds: float
    backtest_seconds: float

    def with_interval(self, interval: float) -> ForecastResult:
        """The same result with yhat_lower/yhat_upper taken from the 80% or 95% interval."""
        check_interval(interval)
        return replace(self, interval=interval, forecast=_chosen(self.forecast, interval))


def check_interval(interval: float) -> None:
    """Raise AnalyticsError unless `interval` is one of INTERVALS."""
    if interval not in INTERVALS:
        raise AnalyticsError(f"The 'interval' option must be 0.8 or 0.95. Got {interval!r}.")


def horizon_periods(horizon_days: int, grain: Grain) -> int:
    """Periods needed to cover `horizon_days` days at `grain` (weeks and months rounded up)."""
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise AnalyticsError(
            f"The 'horizon_days' option must be between 1 and {MAX_HORIZON_DAYS}. Got {horizon_days!r}."
        )
    return {"day": horizon_days, "week": math.ceil(horizon_days / 7)}.get(
        grain, math.ceil(horizon_days / DAYS_PER_MONTH)
    )


def check_country(country: str | None) -> str | None:
    """The upper-cased ISO code if the `holidays` package knows the country, else AnalyticsError."""
    if country is None:
        return None
    import holidays

    code = country.strip().upper()
    if code not in holidays.list_supported_countries():
        raise AnalyticsError(
            f"The 'holidays_country' option must be an ISO country code such as US, DE or GB. Got {country!r}."
        )
    return code


def regular_grid(
    frame: pd.DataFrame, grain: Grain, *, date_col: str = "ds", value_col: str = "y"
) -> pd.DataFrame:
    """(ds, y) with every period from the first to the last; missing periods have y = NaN."""
    if grain not in GRAINS:
        raise AnalyticsError(f"The grain must be one of {', '.join(GRAINS)}. Got {grain!r}.")
    missing = [column for column in (date_col, value_col) if column not in frame.columns]
    if missing:
        raise AnalyticsError(
            f"The series needs the columns {date_col!r} and {value_col!r}; missing {missing}."
        )
    series = pd.DataFrame(
        {"ds": pd.to_datetime(frame[date_col]), "y": pd.to_numeric(frame[value_col], errors="coerce")}
    )
    if series["ds"].duplicated().any():
        raise AnalyticsError(f"The series has repeated dates in {date_col!r}; give one value per period.")
    series = series.sort_values("ds").set_index("ds")
    if series.empty:
        return pd.DataFrame({"ds": pd.Series(dtype="datetime64[ns]"), "y": pd.Series(dtype="float64")})
    grid = pd.date_range(series.index.min(), series.index.max(), freq=FREQUENCY[grain])
    if len(series.index.difference(grid)):
        raise AnalyticsError(
            f"At {grain} grain the dates must be period starts (days, Mondays or the 1st of the month); "
            f"got {series.index.difference(grid)[0].date()}."
        )
    return series.reindex(grid).rename_axis("ds").reset_index()


def forecast_series(
    frame: pd.DataFrame,
    *,
    grain: Grain = "day",
    horizon_days: int = 30,
    holidays_country: str | None = None,
    interval: float = 0.8,
    backtest_cutoffs: int = 4,
    non_negative: bool = False,
    date_col: str = "ds",
    value_col: str = "y",
) -> ForecastResult:
    """Forecast `frame` (one row per period) `horizon_days` ahead; see ForecastResult for the output.

    `non_negative` clips forecasts and bands at 0 (for counts).
    """
    check_interval(interval)
    country = check_country(holidays_country)
    horizon = horizon_periods(horizon_days, grain)
    history = regular_grid(frame, grain, date_col=date_col, value_col=value_col)
    observed = history["y"].dropna()
    if len(observed) < MIN_HISTORY[grain]:
        raise AnalyticsError(
            f"Forecasting needs at least {MIN_HISTORY[grain]} {GRAIN_WORDS[grain]} of history, got {len(observed)}."
        )
    future = pd.date_range(history["ds"].iloc[-1], periods=horizon + 1, freq=FREQUENCY[grain])[1:]
    shown = {
        "grain": grain,
        "interval": interval,
        "history": history.rename(columns={"ds": "date", "y": "value"}),
    }
    if observed.nunique() == 1:
        return _constant(future, float(observed.iloc[0]), country, **shown)

    started = time.perf_counter()
    tested = backtest(
        history,
        grain=grain,
        horizon=horizon,
        cutoffs=backtest_cutoffs,
        min_train=MIN_HISTORY[grain],
        holidays_country=country,
    )
    backtest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    prophet = ProphetForecaster(grain=grain, holidays_country=country).fit(history)
    prophet_frame = _tidy(prophet.predict(future, widths=INTERVALS), interval, non_negative)
    fit_seconds = time.perf_counter() - started

    baseline_frame = None
    if tested is not None:
        baseline = SeasonalNaive(grain=grain).fit(history).with_residuals(tested.baseline_residuals)
        baseline_frame = _tidy(baseline.predict(future, widths=INTERVALS), interval, non_negative)
    model = tested.winner if tested is not None else PROPHET
    change, level = prophet.trend_per_month()
    return ForecastResult(
        **shown,
        forecast=prophet_frame if model == PROPHET else baseline_frame,
        prophet_forecast=prophet_frame,
        baseline_forecast=baseline_frame,
        model=model,
        changepoints=prophet.changepoints(),
        trend=trend_in_words(change, level),
        weekly_seasonality=prophet.weekly_,
        yearly_seasonality=prophet.yearly_,
        holidays_country=country,
        backtest=tested,
        note=_note(tested, grain, horizon),
        fit_seconds=fit_seconds,
        backtest_seconds=backtest_seconds,
    )


def forecast(
    db: Database,
    viewer: Viewer,
    spec: MetricSpec,
    filters: Filters,
    *,
    horizon_days: int = 30,
    as_of: date | None = None,
    holidays_country: str | None = None,
    interval: float = 0.8,
    today: date | None = None,
) -> ForecastResult:
    """Forecast metric `spec` from its history over the filters' days (up to the end of `as_of`).

    Only complete periods are used: a week or month still in progress (or cut by the filters) would
    look like a drop. Results are cached per spec, filters, options and `db.view_version`.
    """
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    check_interval(interval)
    end = min(filters.end, as_of) if as_of else filters.end
    if end < filters.start:
        raise AnalyticsError(
            f"The 'as_of' day must not be before the period's start {filters.start}. Got {as_of}."
        )
    window = replace(filters, end=end)
    seen_until = min(today or today_in_zone(load_settings().reporting_timezone), end + timedelta(days=1))
    country = check_country(holidays_country)
    key = ("forecast", str(db.path), db.view_version, spec.text, window, horizon_days, country, seen_until)

    def compute() -> ForecastResult:
        series = metric_series(db, viewer, spec, window, today=seen_until)
        series = series[series["complete"]]
        return forecast_series(
            series,
            grain=filters.grain,
            horizon_days=horizon_days,
            holidays_country=country,
            non_negative=spec.is_count,
            date_col="period",
            value_col="value",
        )

    return cache.remembered(key, compute).with_interval(interval)


def _tidy(predicted: pd.DataFrame, interval: float, non_negative: bool) -> pd.DataFrame:
    frame = predicted.rename(columns={"ds": "date"})
    if non_negative:
        numbers = frame.columns.drop("date")
        frame[numbers] = frame[numbers].clip(lower=0)
    return _chosen(frame, interval)


def _chosen(frame: pd.DataFrame, interval: float) -> pd.DataFrame:
    lower, upper = interval_columns(interval)
    chosen = frame.assign(yhat_lower=frame[lower], yhat_upper=frame[upper])
    bands = [column for width in INTERVALS for column in interval_columns(width)]
    return chosen[["date", "yhat", "yhat_lower", "yhat_upper", *bands]]


def _constant(future: pd.DatetimeIndex, value: float, country: str | None, **shown) -> ForecastResult:
    """A flat history gets a flat forecast with zero-width bands: every model would say the same."""
    frame = pd.DataFrame({"date": future, "yhat": value})
    for width in INTERVALS:
        for column in interval_columns(width):
            frame[column] = value
    return ForecastResult(
        **shown,
        forecast=_chosen(frame, shown["interval"]),
        prophet_forecast=None,
        baseline_forecast=None,
        model=CONSTANT,
        changepoints=pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "slope_change_per_month": []}),
        trend="flat",
        weekly_seasonality=False,
        yearly_seasonality=False,
        holidays_country=country,
        backtest=None,
        note=f"The history is constant at {value:g}, so the forecast repeats it; no model was fitted.",
        fit_seconds=0.0,
        backtest_seconds=0.0,
    )


def _note(tested: Backtest | None, grain: Grain, horizon: int) -> str:
    if tested is None:
        return (
            f"Prophet is shown; its quality was not measured: a backtest needs {MIN_HISTORY[grain]} "
            f"{GRAIN_WORDS[grain]} before the first cutoff plus the {horizon}-period horizon."
        )
    prophet, baseline = tested.score(PROPHET, "mase"), tested.score(BASELINE, "mase")
    figures = f"MASE {prophet:.2f} for Prophet against {baseline:.2f} for the seasonal-naive baseline"
    if tested.winner == PROPHET:
        return f"Prophet is shown: it beat the seasonal-naive baseline in the backtest ({figures})."
    return f"The seasonal-naive baseline is shown because Prophet lost the backtest ({figures})."
