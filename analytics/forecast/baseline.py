"""The seasonal-naive baseline every forecast must beat: repeat the last season.

Daily data repeats the same weekday of the last observed week; weekly and monthly data repeat the same
period of last year when two years of history exist, else the last value. Its intervals come from its
own backtest errors (`with_residuals`), so its bands are as honest as its point forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.filters import Grain
from analytics.forecast.prophet_model import interval_columns

SEASON_PERIODS = {"day": 7, "week": 52, "month": 12}


def season_length(grain: Grain, periods: int) -> int:
    """Periods in one season: 7 for days; 52 weeks or 12 months with two years of history, else 1."""
    length = SEASON_PERIODS[grain]
    if grain == "day":
        return length
    return length if periods >= 2 * length else 1


class SeasonalNaive:
    """Forecast y[T + h] as the latest observed value of the same season (the same weekday for days).

    Parameters
    ----------
    grain : "day", "week" or "month".
    """

    def __init__(self, *, grain: Grain = "day"):
        self.grain = grain

    def fit(self, history: pd.DataFrame) -> Self:
        """Remember `history` (ds, y on a regular grid; missing y allowed). Sets season_, history_."""
        if not history["y"].notna().any():
            raise AnalyticsError("The seasonal-naive baseline needs at least one observed value. Got none.")
        self.history_ = history.reset_index(drop=True)
        self.season_ = season_length(self.grain, len(self.history_))
        self.residuals_: np.ndarray | None = None
        return self

    def predict_mean(self, steps: int) -> np.ndarray:
        """The `steps` periods after the history: the latest observed value of each one's season.

        A season never observed (gaps) falls back to the latest observed value.
        """
        values = self.history_["y"].to_numpy(dtype="float64")
        last = len(values) - 1
        latest = values[~np.isnan(values)][-1]
        forecast = np.empty(steps)
        for step in range(1, steps + 1):
            back = last + step - self.season_ * int(np.ceil(step / self.season_))
            while back >= 0 and np.isnan(values[back]):
                back -= self.season_
            forecast[step - 1] = values[back] if back >= 0 else latest
        return forecast

    def scale(self) -> float:
        """Mean absolute one-season difference of the history (MASE's denominator); NaN if undefined."""
        values = self.history_["y"].to_numpy(dtype="float64")
        differences = np.abs(values[self.season_ :] - values[: -self.season_])
        differences = differences[~np.isnan(differences)]
        return float(differences.mean()) if len(differences) else float("nan")

    def with_residuals(self, residuals: np.ndarray) -> Self:
        """Use backtest errors (actual minus forecast) for the intervals of `predict`."""
        self.residuals_ = residuals[~np.isnan(residuals)]
        return self

    def predict(
        self, dates: Sequence[pd.Timestamp], *, widths: Sequence[float] = (0.8, 0.95)
    ) -> pd.DataFrame:
        """Columns: ds, yhat, yhat_lower_NN / yhat_upper_NN: yhat plus quantiles of the backtest errors."""
        if self.residuals_ is None or not len(self.residuals_):
            raise AnalyticsError("The baseline's intervals need backtest errors; call with_residuals first.")
        yhat = self.predict_mean(len(dates))
        result = pd.DataFrame({"ds": pd.to_datetime(pd.Series(dates)).to_numpy(), "yhat": yhat})
        for width in widths:
            lower, upper = interval_columns(width)
            result[lower] = yhat + np.quantile(self.residuals_, (1 - width) / 2)
            result[upper] = yhat + np.quantile(self.residuals_, (1 + width) / 2)
        return result
