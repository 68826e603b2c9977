"""Rolling-origin backtest: how Prophet and the seasonal-naive baseline would have done on this series.

Cutoffs step back from the end of the history by half a horizon each; at every cutoff both models are
fitted on the data up to it and forecast the next `horizon` periods, which are then compared with what
happened. MAPE (percent; periods whose actual value is 0 are skipped) and MASE (absolute error over the
history's mean one-season change, Hyndman's scale) are pooled over all forecast points; the lower MASE
wins and a tie goes to the baseline, the simpler model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.filters import Grain
from analytics.forecast.baseline import SeasonalNaive
from analytics.forecast.prophet_model import ProphetForecaster

PROPHET = "prophet"
BASELINE = "seasonal_naive"


@dataclass(frozen=True)
class Backtest:
    """Backtest figures. `scores` columns: model, mape (%), mase, mae, points."""

    cutoffs: tuple[pd.Timestamp, ...]
    horizon: int
    scores: pd.DataFrame
    winner: str
    baseline_residuals: np.ndarray

    def score(self, model: str, measure: str) -> float:
        """One figure, e.g. score("prophet", "mase")."""
        return float(self.scores.set_index("model").loc[model, measure])


def cutoff_indexes(periods: int, *, horizon: int, cutoffs: int, min_train: int) -> list[int]:
    """Positions of the last training period at each cutoff, oldest first (fewer if history is short)."""
    step = max(1, horizon // 2)
    last = periods - 1 - horizon
    found = [last - k * step for k in range(cutoffs)]
    return sorted(index for index in found if index + 1 >= min_train)


def backtest(
    history: pd.DataFrame,
    *,
    grain: Grain,
    horizon: int,
    cutoffs: int = 4,
    min_train: int = 14,
    holidays_country: str | None = None,
) -> Backtest | None:
    """Backtest both models on `history` (ds, y on a regular grid); None when no cutoff leaves enough data."""
    positions = cutoff_indexes(len(history), horizon=horizon, cutoffs=cutoffs, min_train=min_train)
    if not positions:
        return None
    errors: dict[str, list[np.ndarray]] = {PROPHET: [], BASELINE: []}
    actuals, scales = [], []
    for position in positions:
        train = history.iloc[: position + 1]
        test = history.iloc[position + 1 : position + 1 + horizon]
        baseline = SeasonalNaive(grain=grain).fit(train)
        prophet = ProphetForecaster(grain=grain, holidays_country=holidays_country, uncertainty=False).fit(
            train
        )
        actual = test["y"].to_numpy(dtype="float64")
        errors[BASELINE].append(actual - baseline.predict_mean(len(test)))
        errors[PROPHET].append(actual - prophet.predict_mean(test["ds"]))
        actuals.append(actual)
        scales.append(np.full(len(test), baseline.scale()))
    actual, scale = np.concatenate(actuals), np.concatenate(scales)
    rows = [_scores(name, np.concatenate(found), actual, scale) for name, found in errors.items()]
    scores = pd.DataFrame(rows)
    return Backtest(
        cutoffs=tuple(pd.Timestamp(history["ds"].iloc[p]) for p in positions),
        horizon=horizon,
        scores=scores,
        winner=_winner(scores),
        baseline_residuals=np.concatenate(errors[BASELINE]),
    )


def _scores(model: str, error: np.ndarray, actual: np.ndarray, scale: np.ndarray) -> dict[str, object]:
    known = ~np.isnan(error)
    nonzero = known & (actual != 0)
    scaled = known & (scale > 0)
    return {
        "model": model,
        "mape": float(np.mean(np.abs(error[nonzero] / actual[nonzero])) * 100) if nonzero.any() else np.nan,
        "mase": float(np.mean(np.abs(error[scaled]) / scale[scaled])) if scaled.any() else np.nan,
        "mae": float(np.mean(np.abs(error[known]))) if known.any() else np.nan,
        "points": int(known.sum()),
    }


def _winner(scores: pd.DataFrame) -> str:
    by_model = scores.set_index("model")
    measure = "mase" if by_model["mase"].notna().all() else "mae"
    return PROPHET if by_model.loc[PROPHET, measure] < by_model.loc[BASELINE, measure] else BASELINE
