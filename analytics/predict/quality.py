"""How good a prediction is on held-out data: classifier metrics, reliability bins, errors and intervals.

Every model in this package reports these figures for itself and for its naive baseline, measured on a
validation window the model was not fitted on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

RELIABILITY_BINS = 10
INTERVAL_COVERAGE = 0.8
INTERVAL_GROUPS = 5


@dataclass(frozen=True)
class ClassifierQuality:
    """ROC AUC, PR AUC (average precision) and Brier score of probabilities against 0/1 outcomes.

    `reliability` has one row per non-empty bin of width 0.1: bin_low, bin_high, mean_predicted,
    observed (share of positives), users.
    """

    roc_auc: float
    pr_auc: float
    brier: float
    rows: int
    positive_share: float
    reliability: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures (the reliability bins as a list of records)."""
        figures = {key: value for key, value in asdict(self).items() if key != "reliability"}
        return {**figures, "reliability": self.reliability.to_dict(orient="records")}


def reliability_bins(
    outcome: np.ndarray, probability: np.ndarray, *, bins: int = RELIABILITY_BINS
) -> pd.DataFrame:
    """Mean predicted probability against the observed share of positives, per equal-width bin."""
    probability = np.clip(np.asarray(probability, dtype="float64"), 0.0, 1.0)
    index = np.minimum((probability * bins).astype(int), bins - 1)
    frame = pd.DataFrame(
        {"bin": index, "predicted": probability, "outcome": np.asarray(outcome, dtype="float64")}
    )
    grouped = frame.groupby("bin").agg(
        mean_predicted=("predicted", "mean"), observed=("outcome", "mean"), users=("outcome", "size")
    )
    grouped.insert(0, "bin_high", (grouped.index + 1) / bins)
    grouped.insert(0, "bin_low", grouped.index / bins)
    return grouped.reset_index(drop=True)


def classifier_quality(
    outcome: np.ndarray, probability: np.ndarray, *, score: np.ndarray | None = None
) -> ClassifierQuality:
    """Quality of `probability` (calibrated, 0..1) for 0/1 `outcome`.

    `score` ranks users for the AUCs when it differs from the probability (a baseline ranking users by
    raw days of inactivity, say); the Brier score and reliability bins always use `probability`.
    """
    outcome = np.asarray(outcome, dtype=int)
    ranking = probability if score is None else score
    both = len(np.unique(outcome)) == 2
    return ClassifierQuality(
        roc_auc=float(roc_auc_score(outcome, ranking)) if both else float("nan"),
        pr_auc=float(average_precision_score(outcome, ranking)) if both else float("nan"),
        brier=float(brier_score_loss(outcome, probability)),
        rows=len(outcome),
        positive_share=float(outcome.mean()) if len(outcome) else float("nan"),
        reliability=reliability_bins(outcome, probability),
    )


def mean_absolute_error(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean of |actual - predicted|."""
    return float(
        np.mean(np.abs(np.asarray(actual, dtype="float64") - np.asarray(predicted, dtype="float64")))
    )


@dataclass(frozen=True)
class RegressionQuality:
    """Holdout mean absolute error of a model and of its naive baseline, in the target's unit.

    `interval_coverage` is the share of holdout outcomes inside the model's stated intervals.
    """

    target: str
    unit: str
    mae: float
    baseline_mae: float
    baseline: str
    rows: int
    interval_coverage: float

    @property
    def improvement_pct(self) -> float:
        """How much smaller the model's error is than the baseline's, in percent (negative: worse)."""
        return 100 * (1 - self.mae / self.baseline_mae) if self.baseline_mae > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "improvement_pct": self.improvement_pct}


@dataclass(frozen=True)
class ResidualIntervals:
    """Prediction intervals from holdout residuals, per group of similar predictions.

    Predictions are grouped by the holdout predictions' quantiles (`edges`); each group has the
    residual (actual - predicted) quantiles `low` and `high` that bound INTERVAL_COVERAGE of outcomes.
    """

    edges: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def from_holdout(
        cls, predicted: np.ndarray, actual: np.ndarray, *, groups: int = INTERVAL_GROUPS
    ) -> ResidualIntervals:
        predicted = np.asarray(predicted, dtype="float64")
        residual = np.asarray(actual, dtype="float64") - predicted
        edges = np.unique(np.quantile(predicted, np.linspace(0, 1, groups + 1)[1:-1]))
        group = np.searchsorted(edges, predicted, side="right")
        tail = (1 - INTERVAL_COVERAGE) / 2
        low = np.empty(len(edges) + 1)
        high = np.empty(len(edges) + 1)
        for index in range(len(edges) + 1):
            members = residual[group == index]
            members = members if len(members) else residual
            low[index], high[index] = np.quantile(members, [tail, 1 - tail])
        return cls(edges=edges, low=low, high=high)

    def bounds(self, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) bounds around `predicted`."""
        predicted = np.asarray(predicted, dtype="float64")
        group = np.searchsorted(self.edges, predicted, side="right")
        return predicted + self.low[group], predicted + self.high[group]

    def coverage(self, predicted: np.ndarray, actual: np.ndarray) -> float:
        """Share of `actual` values inside the intervals around `predicted`."""
        lower, upper = self.bounds(predicted)
        actual = np.asarray(actual, dtype="float64")
        return float(np.mean((actual >= lower) & (actual <= upper))) if len(actual) else float("nan")
