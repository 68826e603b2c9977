"""Engagement: how many days each recently active user will be active in the next 30.

Gradient boosting with a Poisson loss (active days are counts) on the shared point-in-time features;
baseline: the user's active days in the last 30. Both are judged by mean absolute error, in days, on
the validation window; the 80% interval comes from the validation residuals.
"""

from __future__ import annotations

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.groups import score_users
from analytics.predict.features import Windows
from analytics.predict.regression import RegressionModel
from analytics.predict.store import PredictionSet

PREDICTION_TYPE = "engagement"
MODEL_VERSION = "engagement-1"
HORIZON_DAYS = 30


SCORES_SCHEMA = "user_id string, predicted double, lower double, upper double, baseline double"
"""The columns of RegressionModel.predict, for scoring on Spark."""


def engagement_predictions(windows: Windows, *, db: Database | None = None) -> PredictionSet:
    """Fit on `windows` (whose horizon must be 30 days) and predict for its scoring day.

    prediction_data: active_days (expected), low and high (80% interval), baseline_active_days.
    confidence_score: the share of validation users whose outcome fell inside their interval.
    """
    if windows.horizon_days != HORIZON_DAYS:
        raise AnalyticsError(
            f"The engagement model predicts the next {HORIZON_DAYS} days, so its windows need "
            f"horizon_days={HORIZON_DAYS}. Got {windows.horizon_days}."
        )
    model = RegressionModel(
        target="active_days_next",
        baseline="active_days_30",
        unit="days",
        loss="poisson",
        highest=HORIZON_DAYS,
    ).fit(windows)
    found = (
        model.predict(windows.score)
        if db is None
        else score_users(db, windows.score, model.predict, SCORES_SCHEMA)
    )
    data = [
        {
            "active_days": round(float(row.predicted), 2),
            "low": round(float(row.lower), 2),
            "high": round(float(row.upper), 2),
            "baseline_active_days": int(row.baseline),
        }
        for row in found.itertuples(index=False)
    ]
    return PredictionSet(
        prediction_type=PREDICTION_TYPE,
        model_version=MODEL_VERSION,
        horizon_days=HORIZON_DAYS,
        user_ids=found["user_id"].tolist(),
        data=data,
        confidence=[model.quality_.interval_coverage] * len(found),
        quality={"active_days": model.quality_.to_dict()},
    )
