"""Performance next month: each user's accuracy and seconds per exercise over the next 30 days.

For each measure, gradient boosting predicts the change from this month's value (the last 30 days) from
the shared features, so it can only add to the baseline, "next month equals this month". Users need a
value this month; both are judged by mean absolute error on the validation window, over users who
answered (accuracy) or exercised (speed) in both months.
"""

from __future__ import annotations

from typing import Any

from analytics.predict.features import Windows
from analytics.predict.regression import RegressionModel
from analytics.predict.store import PredictionSet

PREDICTION_TYPE = "performance"
MODEL_VERSION = "performance-1"
HORIZON_DAYS = 30
MEASURES: dict[str, dict[str, Any]] = {
    "accuracy": {
        "target": "accuracy_next",
        "baseline": "accuracy_30",
        "unit": "accuracy (0..1)",
        "highest": 1.0,
    },
    "speed_s": {"target": "speed_s_next", "baseline": "speed_s_30", "unit": "seconds per exercise"},
}
"""The RegressionModel parameters of each measure."""


def performance_predictions(windows: Windows) -> PredictionSet:
    """Fit both measures on `windows` and predict them for its scoring day.

    prediction_data: per measure (accuracy, speed_s) present for the user: predicted, low, high (80%
    interval) and this_month (the baseline). confidence_score: the lower validation coverage of the two
    measures' intervals.
    """
    per_user: dict[str, dict[str, dict[str, float]]] = {}
    quality = {}
    for measure, options in MEASURES.items():
        model = RegressionModel(relative_to_baseline=True, **options).fit(windows)
        quality[measure] = model.quality_.to_dict()
        digits = 4 if measure == "accuracy" else 1
        for row in model.predict(windows.score).itertuples(index=False):
            per_user.setdefault(row.user_id, {})[measure] = {
                "predicted": round(float(row.predicted), digits),
                "low": round(float(row.lower), digits),
                "high": round(float(row.upper), digits),
                "this_month": round(float(row.baseline), digits),
            }
    confidence = min(figures["interval_coverage"] for figures in quality.values())
    users = sorted(per_user)
    return PredictionSet(
        prediction_type=PREDICTION_TYPE,
        model_version=MODEL_VERSION,
        horizon_days=HORIZON_DAYS,
        user_ids=users,
        data=[per_user[user] for user in users],
        confidence=[confidence] * len(users),
        quality=quality,
    )
