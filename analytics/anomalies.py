"""Unusual periods of a metric: observed values outside what the data before them leads one to expect.

Two methods, each judging a period only by data from before it:

- "forecast": one Prophet fit on up to two years of history before the evaluated window; the band is
  yhat +- 3.5 robust standard deviations of the fit's residuals over its last 12 weeks (1.4826 x MAD).
  A value outside the band is an anomaly; its score is the distance outside in band widths (0 inside).
  Prophet's own sampled intervals are not used: on the generated data its 99% band left out 3-6% of
  ordinary days, because its noise is estimated from the in-sample fit.
- "robust_z": each period's expected value is the recent level (median of the last two weeks with the
  weekday effect removed) plus its weekday's effect (median by weekday minus the overall median), both
  over the trailing 12 weeks; the spread is 1.4826 x the MAD of the level's one-step errors in that
  window. An anomaly has |modified z| > 3.5 (Iglewicz and Hoaglin's cut-off); the score is |z|. Weeks
  and months use the trailing 12 periods without a weekday effect.

The spread is at least 0.5 for counts (Poisson noise on the square-root scale, where count noise spreads
about equally at every level, so a quiet Sunday and a busy Monday are held to the same standard) and 1% of
the level for ratios and means, which are judged on their own scale.

"auto" uses the forecast for a window of at most a week (2 weeks, 1 month) after at least 8 weeks
(8 weeks, 24 months) of history: a trend extrapolated further drifts, and 4-week windows judged so on the
generated data flagged several times more ordinary days. Otherwise, or if the fit is refused, robust_z.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters, Grain
from analytics.forecast import cache
from analytics.forecast.forecaster import GRAIN_WORDS, regular_grid
from analytics.forecast.prophet_model import ProphetForecaster
from analytics.metrics import MetricSpec, metric_series
from analytics.metrics.series import period_starts
from analytics.periods import today_in_zone
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

METHODS = ("auto", "forecast", "robust_z")
COLUMNS = ["date", "value", "expected", "lower", "upper", "is_anomaly", "score"]
Z_CUTOFF = 3.5
MAD_TO_SD = 1.4826
HISTORY_DAYS = 730
MIN_FORECAST_HISTORY = {"day": 56, "week": 8, "month": 24}
MAX_FORECAST_WINDOW = {"day": 7, "week": 2, "month": 1}
REFERENCE_PERIODS = {"day": 84, "week": 12, "month": 12}
LEVEL_PERIODS = {"day": 14, "week": 4, "month": 3}
MIN_REFERENCE = {"day": 21, "week": 6, "month": 6}
COUNT_SPREAD_FLOOR = 0.5
"""Smallest spread of counts on the square-root scale: that of Poisson noise, so a calm stretch is no trap."""

RELATIVE_SPREAD_FLOOR = 0.01
"""Smallest spread of ratios and means, as a share of their level: a steady ratio moving 2% is no alarm."""

Scale = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]


def detect_anomalies(
    db: Database,
    viewer: Viewer,
    spec: MetricSpec,
    filters: Filters,
    *,
    method: str = "auto",
    today: date | None = None,
) -> pd.DataFrame:
    """Judge each complete period of [filters.start, filters.end] of `spec` against the data before it.

    Columns: date, value, expected, lower, upper (the band outside which a value is an anomaly),
    is_anomaly, score (|z|, or the distance outside the band in band widths, 0 inside). Periods still
    in progress are left out; periods without enough earlier data have NaN expected and score.
    Results are cached per spec, filters, method, day and `db.view_version`.
    """
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    check_method(method)
    today = today or today_in_zone(load_settings().reporting_timezone)
    reach = replace(filters, start=filters.start - timedelta(days=HISTORY_DAYS))

    def compute() -> pd.DataFrame:
        series = metric_series(db, viewer, spec, reach, today=today)
        series = series[series["complete"]]
        return anomalies_in_series(
            series,
            start=filters.start,
            grain=filters.grain,
            method=method,
            is_count=spec.is_count,
            date_col="period",
            value_col="value",
        )

    key = ("anomalies", str(db.path), db.view_version, spec.text, filters, method, today)
    return cache.remembered(key, compute).copy()


def check_method(method: str) -> None:
    """Raise AnalyticsError unless `method` is one of METHODS."""
    if method not in METHODS:
        raise AnalyticsError(f"The 'method' option must be one of {', '.join(METHODS)}. Got {method!r}.")


def anomalies_in_series(
    frame: pd.DataFrame,
    *,
    start: date,
    grain: Grain = "day",
    method: str = "auto",
    is_count: bool = False,
    date_col: str = "ds",
    value_col: str = "y",
) -> pd.DataFrame:
    """Judge the periods of `frame` (one row per period) from `start` on; the rows before are history.

    Same columns as detect_anomalies. `is_count` judges on the square-root scale (see the module).
    """
    check_method(method)
    grid = regular_grid(frame, grain, date_col=date_col, value_col=value_col)
    grid = _from_first_activity(grid)
    first = int(grid["ds"].searchsorted(pd.Timestamp(period_starts(start, start, grain)[0])))
    scale = _scale_for(is_count)
    chosen = method
    if method == "auto":
        enough = first >= MIN_FORECAST_HISTORY[grain] and len(grid) - first <= MAX_FORECAST_WINDOW[grain]
        chosen = "forecast" if enough else "robust_z"
    if chosen == "forecast" and first < len(grid):
        try:
            return _by_forecast(grid, first, grain, scale, is_count=is_count)
        except AnalyticsError:
            if method == "forecast":
                raise
    return _by_robust_z(grid, first, grain, scale, is_count=is_count)


def _scale_for(is_count: bool) -> Scale:
    if is_count:
        return np.sqrt, lambda values: np.square(np.clip(values, 0, None))
    return (lambda values: values), (lambda values: values)


def _from_first_activity(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the empty periods before the first value (before the product or the segment had data)."""
    active = frame["y"].fillna(0).to_numpy() != 0
    start = int(np.argmax(active)) if active.any() else len(frame)
    return frame.iloc[start:].reset_index(drop=True)


def _by_forecast(
    frame: pd.DataFrame, first: int, grain: Grain, scale: Scale, *, is_count: bool
) -> pd.DataFrame:
    transform, inverse = scale
    if first < MIN_FORECAST_HISTORY[grain]:
        raise AnalyticsError(
            f"The forecast method needs at least {MIN_FORECAST_HISTORY[grain]} {GRAIN_WORDS[grain]} of "
            f"history before the window, got {first}. Use method='robust_z' or start the window later."
        )
    history = frame.iloc[:first].assign(y=lambda f: transform(f["y"].to_numpy()))
    window = frame.iloc[first:].reset_index(drop=True)
    model = ProphetForecaster(grain=grain, uncertainty=False).fit(history)
    recent = history.iloc[-REFERENCE_PERIODS[grain] :]
    residuals = recent["y"].to_numpy() - model.predict_mean(recent["ds"])
    spread = np.fmax(
        MAD_TO_SD * np.nanmedian(np.abs(residuals)), _floor(is_count, np.nanmedian(history["y"]))
    )
    centre = model.predict_mean(window["ds"])
    lower, upper = inverse(centre - Z_CUTOFF * spread), inverse(centre + Z_CUTOFF * spread)
    value = window["y"].to_numpy(dtype="float64")
    width = np.maximum(upper - lower, np.finfo(float).eps)
    outside = np.where(value > upper, value - upper, np.where(value < lower, lower - value, 0.0)) / width
    outside[np.isnan(value)] = np.nan
    return _frame(window, inverse(centre), lower, upper, outside, outside > 0)


def _floor(is_count: bool, level: float) -> float:
    """The smallest spread: Poisson noise for counts, 1% of the level for ratios and means."""
    if is_count:
        return COUNT_SPREAD_FLOOR
    return max(RELATIVE_SPREAD_FLOOR * abs(level), np.finfo(float).eps) if np.isfinite(level) else np.nan


def _by_robust_z(
    frame: pd.DataFrame, first: int, grain: Grain, scale: Scale, *, is_count: bool
) -> pd.DataFrame:
    transform, inverse = scale
    values = transform(frame["y"].to_numpy(dtype="float64"))
    weekdays = frame["ds"].dt.weekday.to_numpy() if grain == "day" else np.zeros(len(frame), dtype=int)
    size, level_size = REFERENCE_PERIODS[grain], LEVEL_PERIODS[grain]
    expected = np.full(len(frame) - first, np.nan)
    spread = np.full(len(frame) - first, np.nan)
    with warnings.catch_warnings(action="ignore", category=RuntimeWarning):  # all-NaN gaps of ratios
        for row, t in enumerate(range(first, len(frame))):
            start = max(0, t - size)
            reference, days = values[start:t], weekdays[start:t]
            if np.count_nonzero(~np.isnan(reference)) < MIN_REFERENCE[grain]:
                continue
            effects = _weekday_effects(reference, days)
            plain = reference - effects[days]
            recent = sliding_window_view(plain, level_size)
            errors = plain[level_size:] - np.nanmedian(recent[:-1], axis=1)
            expected[row] = np.nanmedian(plain[-level_size:]) + effects[weekdays[t]]
            spread[row] = np.fmax(MAD_TO_SD * np.nanmedian(np.abs(errors)), _floor(is_count, expected[row]))
    window = frame.iloc[first:].reset_index(drop=True)
    z = np.abs(values[first:] - expected) / spread
    band = Z_CUTOFF * spread
    return _frame(
        window, inverse(expected), inverse(expected - band), inverse(expected + band), z, z > Z_CUTOFF
    )


def _weekday_effects(reference: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Median of each weekday minus the overall median (0 for a weekday absent from the reference)."""
    overall = np.nanmedian(reference)
    effects = np.zeros(7)
    for day in np.unique(days):
        chosen = reference[days == day]
        if np.any(~np.isnan(chosen)):
            effects[day] = np.nanmedian(chosen) - overall
    return effects


def _frame(
    window: pd.DataFrame,
    expected: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    score: np.ndarray,
    flagged: np.ndarray,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": window["ds"].dt.date,
            "value": window["y"].to_numpy(dtype="float64"),
            "expected": expected,
            "lower": lower,
            "upper": upper,
            "is_anomaly": np.asarray(flagged, dtype=bool) & ~np.isnan(score),
            "score": score,
        }
    )
