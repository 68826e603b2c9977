"""Churn risk: the probability that a user has no event in the next `horizon_days`, with reasons.

Label: a user active in the 90 days up to a window's as-of day churns when they have no event on the
next `horizon_days` days. Two candidates, a regularised logistic regression on standardised features and
histogram gradient boosting, are each fitted on the training windows (three quarters of the users) and
calibrated on the remaining quarter (isotonic regression, or Platt's sigmoid below
ISOTONIC_MIN_ROWS calibration rows, where isotonic steps overfit); the one with the higher ROC AUC on
the validation window wins and is refitted the same way on all labelled windows. The baseline ranks
users by days since their last event alone (isotonic mapping to a probability for its Brier score).
Users idle for 90 days or more are outside the model's population: they get the share of such users
in the labelled windows who stayed away for the horizon.

The default horizon (setting churn_horizon_days) is 60 days, not 30: in a product used on a few days a
month many users are quiet for 30 days and come back, so a 30-day label calls them gone. `LabelCheck`
measures that error on the data itself (docs/models.md has the figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.pipeline import Pipeline

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.groups import score_users
from analytics.predict.estimators import (
    MAX_TRAIN_ROWS,
    boosting_classifier,
    capped,
    logistic_regression,
    model_inputs,
    one_thread,
    user_part,
)
from analytics.predict.features import (
    MIN_HISTORY_DAYS,
    TRAIN_WINDOWS,
    WINDOW_STEP_DAYS,
    Windows,
    data_span,
    load_windows,
    recently_active,
    user_outcomes,
)
from analytics.predict.quality import ClassifierQuality, classifier_quality
from analytics.predict.reasons import ReasonReference
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

PREDICTION_TYPE = "churn"
MODEL_VERSION = "churn-2"
"""churn-2: 60-day default horizon and the label check (churn-1 labelled 30 days)."""
SHORTEST_DEFAULT_HORIZON_DAYS = 30
"""With too little history for every training window at the configured horizon, the default shrinks down to this."""
MAX_HORIZON_DAYS = 180
BANDS = (("low", 0.0), ("medium", 0.2), ("high", 0.5))
"""Risk bands by calibrated probability: low below 0.2, medium from 0.2, high from 0.5 (more likely than not)."""
CALIBRATION_PARTS = 4  # one part of the users (by id hash) calibrates, the others fit
MIN_OUTCOMES = 20
ISOTONIC_MIN_ROWS = 2_000
PROBABILITY_FLOOR = 0.01
"""Probabilities stay within [1%, 99%]: an isotonic step with no leaver in it would otherwise say 0%."""
CANDIDATES = {"logistic_regression": logistic_regression, "gradient_boosting": boosting_classifier}


def churned(frame: pd.DataFrame) -> np.ndarray:
    """1 for users with no active day in the window's horizon, else 0."""
    return (frame["active_days_next"] == 0).to_numpy(dtype=int)


def risk_band(probability: np.ndarray) -> np.ndarray:
    """The band name of each probability (see BANDS)."""
    thresholds = [low for _, low in BANDS[1:]]
    names = np.array([name for name, _ in BANDS])
    return names[np.searchsorted(thresholds, probability, side="right")]


@dataclass(frozen=True)
class LabelCheck:
    """How many users the label called gone were active again later: the label's own error, no model needed.

    Taken on the oldest training window (its users active in the 90 days up to `window` with no event in
    the horizon after it), followed up to the as-of day.
    """

    window: date
    followed_until: date
    labelled_gone: int
    returned: int

    @property
    def returned_share(self) -> float:
        """Share of the users labelled gone who had an event after the horizon (0 when none was labelled)."""
        return self.returned / self.labelled_gone if self.labelled_gone else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures, as stored with a batch run."""
        return {
            "window": self.window.isoformat(),
            "followed_until": self.followed_until.isoformat(),
            "labelled_gone": self.labelled_gone,
            "returned": self.returned,
            "returned_share": self.returned_share,
        }


def label_check(db: Database, windows: Windows) -> LabelCheck:
    """Follow the oldest training window's users labelled gone to the as-of day: how many came back."""
    oldest = windows.train_days[0]
    frame = windows.train[windows.train["window"] == pd.Timestamp(oldest)]
    frame = frame[recently_active(frame)]
    gone = frame.loc[churned(frame) == 1, "user_id"]
    horizon_end = oldest + timedelta(days=windows.horizon_days)
    later = user_outcomes(db, as_of=horizon_end, days=(windows.as_of - horizon_end).days)["user_id"]
    return LabelCheck(
        window=oldest,
        followed_until=windows.as_of,
        labelled_gone=len(gone),
        returned=int(gone.isin(later).sum()),
    )


@dataclass(frozen=True)
class ChurnQuality:
    """Validation figures of the chosen model and the recency baseline, and how the choice was made."""

    chosen: str
    candidates_roc_auc: dict[str, float]
    model: ClassifierQuality
    baseline: ClassifierQuality
    horizon_days: int
    train_days: tuple[date, ...]
    validation_day: date
    train_rows: int
    label_check: LabelCheck | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures, as stored with a batch run."""
        check = self.label_check.to_dict() if self.label_check else None
        return {
            "chosen": self.chosen,
            "candidates_roc_auc": self.candidates_roc_auc,
            "model": self.model.to_dict(),
            "baseline": self.baseline.to_dict(),
            "horizon_days": self.horizon_days,
            "train_days": [day.isoformat() for day in self.train_days],
            "validation_day": self.validation_day.isoformat(),
            "train_rows": self.train_rows,
            "label_check": check,
        }


def _check_outcomes(frame: pd.DataFrame, what: str) -> np.ndarray:
    outcome = churned(frame)
    positives = int(outcome.sum())
    if min(positives, len(outcome) - positives) < MIN_OUTCOMES:
        raise AnalyticsError(
            f"The churn model needs at least {MIN_OUTCOMES} users who left and {MIN_OUTCOMES} who stayed in its "
            f"{what}. Got {positives} who left of {len(outcome)}; use more history or a later --as-of."
        )
    return outcome


def _bounded(probability: np.ndarray) -> np.ndarray:
    return np.clip(probability, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)


def _calibrated(estimator: Pipeline, frame: pd.DataFrame) -> CalibratedClassifierCV:
    """Fit `estimator` on three parts of the users and calibrate it on the fourth (see the module notes)."""
    outcome = churned(frame)
    inputs = model_inputs(frame)
    calibrate = user_part(frame["user_id"], CALIBRATION_PARTS) == 0
    estimator.fit(inputs[~calibrate], outcome[~calibrate])
    method = "isotonic" if calibrate.sum() >= ISOTONIC_MIN_ROWS else "sigmoid"
    calibration = CalibratedClassifierCV(FrozenEstimator(estimator), method=method)
    return calibration.fit(inputs[calibrate], outcome[calibrate])


class ChurnModel:
    """Churn probabilities, bands and reasons; `fit` picks and calibrates the model on labelled windows."""

    def __init__(self, *, max_train_rows: int = MAX_TRAIN_ROWS) -> None:
        self.max_train_rows = max_train_rows

    def fit(self, windows: Windows, *, db: Database | None = None) -> ChurnModel:
        """Compare the candidates on the validation window, then refit the winner on every window.

        With `db`, the quality also carries the label check (who came back after being labelled gone).
        """
        train = capped(windows.train[recently_active(windows.train)], rows=self.max_train_rows)
        validation = windows.validation[recently_active(windows.validation)]
        _check_outcomes(train, "training windows")
        validation_outcome = _check_outcomes(validation, "validation window")
        validation_inputs = model_inputs(validation)
        scored = {}
        for name, make in CANDIDATES.items():
            probability = _bounded(_calibrated(make(), train).predict_proba(validation_inputs)[:, 1])
            scored[name] = classifier_quality(validation_outcome, probability)
        chosen = max(scored, key=lambda name: scored[name].roc_auc)
        recency = IsotonicRegression(out_of_bounds="clip").fit(train["recency_days"], churned(train))
        baseline = classifier_quality(
            validation_outcome,
            recency.predict(validation["recency_days"]),
            score=validation["recency_days"].to_numpy(),
        )
        everyone = windows.labelled
        idle = churned(everyone[~recently_active(everyone)])
        self.idle_probability_ = float(_bounded(idle.mean() if len(idle) else 1.0))
        labelled = capped(everyone[recently_active(everyone)], rows=self.max_train_rows)
        self.estimator_ = _calibrated(CANDIDATES[chosen](), labelled)
        self.reasons_ = ReasonReference.from_stayers(labelled[churned(labelled) == 0])
        self.quality_ = ChurnQuality(
            chosen=chosen,
            candidates_roc_auc={name: quality.roc_auc for name, quality in scored.items()},
            model=scored[chosen],
            baseline=baseline,
            horizon_days=windows.horizon_days,
            train_days=windows.train_days,
            validation_day=windows.validation_day,
            train_rows=len(train),
            label_check=label_check(db, windows) if db is not None else None,
        )
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probability per row of a feature frame (idle users: the idle share)."""
        probability = np.full(len(frame), self.idle_probability_)
        active = recently_active(frame).to_numpy()
        if active.any():
            probability[active] = _bounded(self.estimator_.predict_proba(model_inputs(frame[active]))[:, 1])
        return probability

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Columns: user_id, churn_probability, risk_band, reasons (sentences; none in the low band)."""
        probability = self.predict_proba(frame)
        band = risk_band(probability)
        reasons = pd.Series([[] for _ in range(len(frame))], dtype=object)
        at_risk = band != BANDS[0][0]
        reasons[at_risk] = self.reasons_.reasons(frame[at_risk])
        return pd.DataFrame(
            {
                "user_id": frame["user_id"].to_numpy(),
                "churn_probability": probability,
                "risk_band": band,
                "reasons": reasons.to_numpy(),
            }
        )


SCORES_SCHEMA = "user_id string, churn_probability double, risk_band string, reasons array<string>"
"""The columns of ChurnModel.predict, for scoring on Spark."""


def score_population(db: Database, model: ChurnModel, users: pd.DataFrame) -> pd.DataFrame:
    """`model.predict(users)`, computed on Spark's executors when that is the backend."""
    return score_users(db, users, model.predict, SCORES_SCHEMA)


def check_horizon(horizon_days: object) -> int:
    """`horizon_days` if it is an int in [1, MAX_HORIZON_DAYS], else AnalyticsError."""
    if (
        isinstance(horizon_days, bool)
        or not isinstance(horizon_days, int)
        or not 1 <= horizon_days <= MAX_HORIZON_DAYS
    ):
        raise AnalyticsError(
            f"The 'horizon_days' parameter must be an int in [1, {MAX_HORIZON_DAYS}]. Got {horizon_days!r} instead."
        )
    return horizon_days


def default_horizon(first_day: date, as_of: date) -> int:
    """The configured horizon, or the longest one down to 30 days for which the history holds every
    training window (fewer windows leave too few leavers to learn from on small data)."""
    configured = load_settings().churn_horizon_days
    if not 1 <= configured <= MAX_HORIZON_DAYS:
        raise AnalyticsError(
            f"The setting 'churn_horizon_days' must be between 1 and {MAX_HORIZON_DAYS}. Got {configured}."
        )
    all_windows = MIN_HISTORY_DAYS + (TRAIN_WINDOWS - 1) * WINDOW_STEP_DAYS
    fits = ((as_of - first_day).days - all_windows) // 2
    return min(configured, max(min(SHORTEST_DEFAULT_HORIZON_DAYS, configured), fits))


def churn_scores(
    db: Database, viewer: Viewer, *, as_of: date | None = None, horizon_days: int | None = None
) -> tuple[pd.DataFrame, ChurnQuality]:
    """Train as of `as_of` (default: the last day with data) and score every user with an event by then.

    `horizon_days` defaults to `default_horizon` of the data.

    Returns (scores, quality); scores columns: user_id, churn_probability, risk_band, reasons (joined
    with "; "), riskiest first. Nothing is written to the database.
    """
    viewer.require_aggregate(Permission.GENERATE_PREDICTIONS)
    first_day, last_day = data_span(db)
    as_of = as_of or last_day
    horizon_days = default_horizon(first_day, as_of) if horizon_days is None else check_horizon(horizon_days)
    windows = load_windows(db, as_of=as_of, horizon_days=horizon_days, first_day=first_day)
    with one_thread():
        model = ChurnModel().fit(windows, db=db)
        scores = score_population(db, model, windows.score)
    scores["reasons"] = scores["reasons"].map("; ".join)
    scores = scores.sort_values(["churn_probability", "user_id"], ascending=[False, True], ignore_index=True)
    return scores, model.quality_
