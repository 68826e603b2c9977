"""A per-user regression next to its naive baseline: fitted on past windows, judged on the validation one.

The engagement and performance models are instances: gradient boosting on the shared features predicts
a value over the next horizon (or, with `relative_to_baseline`, its change from the baseline value),
the baseline repeats the recent value, and both are scored by mean absolute error on the validation
window. Intervals come from the validation residuals (see `quality.ResidualIntervals`); their coverage
is measured on validation users other than those who set them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsError
from analytics.predict.estimators import MAX_TRAIN_ROWS, boosting_regressor, capped, model_inputs, user_part
from analytics.predict.features import Windows, recently_active
from analytics.predict.quality import RegressionQuality, ResidualIntervals, mean_absolute_error

MIN_ROWS = 30


class RegressionModel:
    """Predict `target` (an outcome column) for users who have a `baseline` value now."""

    def __init__(
        self,
        *,
        target: str,
        baseline: str,
        unit: str,
        loss: str = "squared_error",
        relative_to_baseline: bool = False,
        lowest: float = 0.0,
        highest: float = np.inf,
        max_train_rows: int = MAX_TRAIN_ROWS,
    ) -> None:
        self.target = target
        self.baseline = baseline
        self.unit = unit
        self.loss = loss
        self.relative_to_baseline = relative_to_baseline
        self.lowest = lowest
        self.highest = highest
        self.max_train_rows = max_train_rows

    def scorable(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows the model predicts for: recently active users with a baseline value."""
        return frame[recently_active(frame) & frame[self.baseline].notna()]

    def _labelled(self, frame: pd.DataFrame, what: str) -> pd.DataFrame:
        rows = self.scorable(frame)
        rows = rows[rows[self.target].notna()]
        if len(rows) < MIN_ROWS:
            raise AnalyticsError(
                f"The {self.target} model needs at least {MIN_ROWS} users with a known outcome in its {what}. "
                f"Got {len(rows)}; use more history or a later --as-of."
            )
        return rows

    def _fit(self, frame: pd.DataFrame) -> object:
        goal = frame[self.target].to_numpy(float)
        if self.relative_to_baseline:
            goal = goal - frame[self.baseline].to_numpy(float)
        return boosting_regressor(self.loss).fit(model_inputs(frame), goal)

    def _predicted(self, estimator: object, frame: pd.DataFrame) -> np.ndarray:
        raw = estimator.predict(model_inputs(frame))
        if self.relative_to_baseline:
            raw = raw + frame[self.baseline].to_numpy(float)
        return np.clip(raw, self.lowest, self.highest)

    def fit(self, windows: Windows) -> RegressionModel:
        """Fit on the training windows, measure on the validation one, refit on all labelled windows."""
        train = capped(self._labelled(windows.train, "training windows"), rows=self.max_train_rows)
        validation = self._labelled(windows.validation, "validation window")
        predicted = self._predicted(self._fit(train), validation)
        actual = validation[self.target].to_numpy(float)
        half = user_part(validation["user_id"], 2) == 0
        coverage = ResidualIntervals.from_holdout(predicted[half], actual[half]).coverage(
            predicted[~half], actual[~half]
        )
        self.intervals_ = ResidualIntervals.from_holdout(predicted, actual)
        self.quality_ = RegressionQuality(
            target=self.target,
            unit=self.unit,
            mae=mean_absolute_error(actual, predicted),
            baseline_mae=mean_absolute_error(actual, validation[self.baseline].to_numpy(float)),
            baseline=self.baseline,
            rows=len(validation),
            interval_coverage=coverage,
        )
        labelled = pd.concat([train, validation], ignore_index=True)
        self.estimator_ = self._fit(capped(labelled, rows=self.max_train_rows))
        return self

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Columns: user_id, predicted, lower, upper, baseline, for the `scorable` rows of `frame`."""
        rows = self.scorable(frame)
        predicted = self._predicted(self.estimator_, rows) if len(rows) else np.array([])
        lower, upper = self.intervals_.bounds(predicted)
        return pd.DataFrame(
            {
                "user_id": rows["user_id"].to_numpy(),
                "predicted": predicted,
                "lower": np.clip(lower, self.lowest, self.highest),
                "upper": np.clip(upper, self.lowest, self.highest),
                "baseline": rows[self.baseline].to_numpy(float),
            }
        )
