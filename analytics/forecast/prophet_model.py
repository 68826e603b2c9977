"""Prophet behind the estimator rules: `__init__` stores options, `fit` validates and returns self.

Seasonality is switched on only when the history can support it (see `seasonalities`); every fit builds
a new Prophet object. Interval draws use a fixed seed so the same data gives the same bands.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Self

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.filters import Grain

DAYS_PER_MONTH = 30.4375
WEEKLY_MIN_DAYS = 14
YEARLY_MIN_DAYS = 730
CHANGEPOINT_MIN_DELTA = 0.01
"""Smallest rate change (in Prophet's scaled units, as in its own plots) drawn as a changepoint."""
FLAT_PCT = 1.0
"""Below 1% a year the trend is called flat; from 1% a month it is given per month, else per year."""
INTERVAL_SEED = 20_240_101

_sampling_lock = threading.Lock()


def silence_stan() -> None:
    """Prophet and cmdstanpy log every fit at INFO; forecasts run often, so mute both loggers."""
    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).disabled = True


def seasonalities(dates: pd.Series, grain: Grain) -> tuple[bool, bool]:
    """(weekly, yearly): weekly needs 14+ days of daily data, yearly two years of any grain."""
    span_days = (dates.max() - dates.min()).days + 1 if len(dates) else 0
    weekly = grain == "day" and span_days >= WEEKLY_MIN_DAYS
    return weekly, span_days >= YEARLY_MIN_DAYS


def interval_columns(width: float) -> tuple[str, str]:
    """Column names of the lower and upper bounds of a `width` interval, e.g. yhat_lower_80."""
    percent = round(width * 100)
    return f"yhat_lower_{percent}", f"yhat_upper_{percent}"


@contextmanager
def _seeded_draws() -> Iterator[None]:
    """Prophet draws from numpy's global generator: seed it for the draw, then put it back."""
    with _sampling_lock:
        state = np.random.get_state()
        np.random.seed(INTERVAL_SEED)
        try:
            yield
        finally:
            np.random.set_state(state)


class ProphetForecaster:
    """Prophet with Pulse's seasonality rules, optional country holidays and two-interval predictions.

    Parameters
    ----------
    grain : "day", "week" or "month" — the spacing of the series.
    holidays_country : ISO country code for Prophet's built-in holidays (daily data only), or None.
    uncertainty : draw intervals (False for backtests, which need only yhat and are 3x faster).
    """

    def __init__(
        self, *, grain: Grain = "day", holidays_country: str | None = None, uncertainty: bool = True
    ):
        self.grain = grain
        self.holidays_country = holidays_country
        self.uncertainty = uncertainty

    def fit(self, history: pd.DataFrame) -> Self:
        """Fit on `history` (ds, y; rows with missing y are ignored). Sets model_, weekly_, yearly_."""
        from prophet import Prophet

        silence_stan()
        observed = history.dropna(subset=["y"])
        if len(observed) < 2:
            raise AnalyticsError(f"Prophet needs at least 2 observed values. Got {len(observed)}.")
        self.weekly_, self.yearly_ = seasonalities(observed["ds"], self.grain)
        model = Prophet(
            weekly_seasonality=self.weekly_,
            yearly_seasonality=self.yearly_,
            daily_seasonality=False,
            uncertainty_samples=1000 if self.uncertainty else 0,
        )
        if self.holidays_country and self.grain == "day":
            model.add_country_holidays(country_name=self.holidays_country)
        # Prophet picks Newton below 100 rows, which crawls (seconds) on near-exact series; L-BFGS does
        # not, and Prophet still falls back to Newton if L-BFGS fails.
        model.fit(observed[["ds", "y"]], algorithm="LBFGS")
        self.model_ = model
        return self

    def predict_mean(self, dates: Sequence[pd.Timestamp] | pd.Series) -> np.ndarray:
        """The point forecast (yhat) at `dates`, without drawing intervals."""
        return self._components(dates)[1]

    def predict(
        self, dates: Sequence[pd.Timestamp] | pd.Series, *, widths: Sequence[float] = (0.8, 0.95)
    ) -> pd.DataFrame:
        """Columns: ds, yhat, and yhat_lower_NN / yhat_upper_NN for each interval width (NN = percent)."""
        trend, yhat = self._components(dates)
        result = pd.DataFrame({"ds": pd.to_datetime(pd.Series(dates)).to_numpy(), "yhat": yhat})
        with _seeded_draws():
            draws = self.model_.predictive_samples(result[["ds"]])["yhat"]
        for width in widths:
            lower, upper = interval_columns(width)
            result[lower] = np.percentile(draws, 100 * (1 - width) / 2, axis=1)
            result[upper] = np.percentile(draws, 100 * (1 + width) / 2, axis=1)
        return result

    def _components(self, dates: Sequence[pd.Timestamp] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(trend, yhat) at `dates`, computed as Prophet's predict does but without its draws."""
        frame = self.model_.setup_dataframe(pd.DataFrame({"ds": pd.to_datetime(pd.Series(dates)).to_numpy()}))
        trend = np.asarray(self.model_.predict_trend(frame), dtype="float64")
        seasonal = self.model_.predict_seasonal_components(frame)
        multiplicative = seasonal["multiplicative_terms"].to_numpy()
        return trend, trend * (1 + multiplicative) + seasonal["additive_terms"].to_numpy()

    def changepoints(self) -> pd.DataFrame:
        """Changepoints with a meaningful rate change. Columns: date, slope_change_per_month (y units)."""
        model = self.model_
        deltas = np.asarray(model.params["delta"]).mean(axis=0)
        span_days = model.t_scale / pd.Timedelta(days=1)
        per_month = deltas * model.y_scale / span_days * DAYS_PER_MONTH
        found = pd.DataFrame(
            {"date": pd.to_datetime(model.changepoints).to_numpy(), "slope_change_per_month": per_month}
        )
        return found[np.abs(deltas) >= CHANGEPOINT_MIN_DELTA].reset_index(drop=True)

    def trend_per_month(self) -> tuple[float, float]:
        """(change a month in y units, level at the end of history) of the trend as it stands last."""
        last = self.model_.history["ds"].max()
        trend, _ = self._components([last - pd.Timedelta(days=DAYS_PER_MONTH), last])
        return float(trend[1] - trend[0]), float(trend[1])


def trend_in_words(change_per_month: float, level: float) -> str:
    """'rising about 3% a month', 'falling about 4% a year' or 'flat' (under 1% a year either way).

    Percentages are of the trend's current level; a level at or below 0 is described in y units.
    """
    if level <= 0:
        if change_per_month == 0:
            return "flat"
        direction = "rising" if change_per_month > 0 else "falling"
        return f"{direction} about {abs(change_per_month):.3g} a month"
    percent = 100 * change_per_month / level
    direction = "rising" if percent > 0 else "falling"
    if abs(percent) >= FLAT_PCT:
        return f"{direction} about {abs(percent):.0f}% a month"
    if abs(percent * 12) >= FLAT_PCT:
        return f"{direction} about {abs(percent * 12):.0f}% a year"
    return "flat"
