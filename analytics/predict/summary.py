"""What the Predictions page shows: the latest run's quality and short summaries of its predictions.

Each function reads what a batch run stored (`store`) and returns a small frame; none refits a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import pandas as pd

from analytics.db import Database
from analytics.predict.store import latest_rows, read_quality
from analytics.viewer import Viewer
from config.permissions import Permission

CHURN_METRICS = (("roc_auc", "ROC AUC", True), ("pr_auc", "PR AUC", True), ("brier", "Brier score", False))
ACTIVE_DAY_BUCKETS = (
    (0, 1, "under 1"),
    (1, 3, "1-2"),
    (3, 6, "3-5"),
    (6, 11, "6-10"),
    (11, 21, "11-20"),
    (21, 31, "21-30"),
)


@dataclass(frozen=True)
class ChurnQualityView:
    """The churn model's validation figures beside the recency baseline's.

    metrics columns: metric, model, baseline, higher_is_better. reliability columns: series ("model"
    or "days since last event"), mean_predicted, observed, users.
    """

    as_of: date
    chosen: str
    horizon_days: int
    validation_day: str
    users: int
    churn_share: float
    metrics: pd.DataFrame
    reliability: pd.DataFrame
    label_check: dict | None
    """Who came back after the label called them gone (LabelCheck.to_dict), or None for older runs."""


def churn_quality(db: Database, viewer: Viewer) -> ChurnQualityView | None:
    """The latest run's churn quality, or None before the first run."""
    stored = read_quality(db, viewer)
    if stored is None or "churn" not in stored["models"]:
        return None
    figures = stored["models"]["churn"]
    model, baseline = figures["model"], figures["baseline"]
    metrics = pd.DataFrame(
        [(label, model[key], baseline[key], higher) for key, label, higher in CHURN_METRICS],
        columns=["metric", "model", "baseline", "higher_is_better"],
    )
    parts = []
    for series, values in (("model", model), ("days since last event", baseline)):
        bins = pd.DataFrame(values["reliability"])[["mean_predicted", "observed", "users"]]
        parts.append(bins.assign(series=series))
    return ChurnQualityView(
        as_of=date.fromisoformat(stored["as_of"]),
        chosen=figures["chosen"].replace("_", " "),
        horizon_days=figures["horizon_days"],
        validation_day=figures["validation_day"],
        users=model["rows"],
        churn_share=model["positive_share"],
        metrics=metrics,
        reliability=pd.concat(parts, ignore_index=True)[["series", "mean_predicted", "observed", "users"]],
        label_check=figures.get("label_check"),
    )


def label_check_text(check: dict, horizon_days: int) -> str:
    """The label check (churn.LabelCheck.to_dict) in words: how many users called gone came back later."""
    return (
        f"Label check: of {check['labelled_gone']:,} users with no event in the {horizon_days} days after "
        f"{check['window']}, {check['returned_share']:.0%} were active again by {check['followed_until']}."
    )


def regression_quality(db: Database, viewer: Viewer) -> pd.DataFrame:
    """Holdout errors of the engagement, performance and skill models against their baselines.

    Columns: prediction, measure, unit, mae, baseline, baseline_mae, improvement_pct, users.
    """
    stored = read_quality(db, viewer)
    rows = []
    for prediction, measures in ({} if stored is None else stored["models"]).items():
        if prediction == "churn":
            continue
        for measure, values in measures.items():
            if not isinstance(values, dict):
                continue  # counts, not a measured error (the recommendations step stores some)
            mae, baseline_mae = (
                values.get("mae", values.get("mae_days")),
                values.get("baseline_mae", values.get("baseline_mae_days")),
            )
            if mae is None or baseline_mae is None:
                continue
            rows.append(
                {
                    "prediction": prediction,
                    "measure": measure,
                    "unit": values.get("unit", "days"),
                    "mae": mae,
                    "baseline": values["baseline"],
                    "baseline_mae": baseline_mae,
                    "improvement_pct": 100 * (1 - mae / baseline_mae) if baseline_mae else 0.0,
                    "users": values["rows"],
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "prediction",
            "measure",
            "unit",
            "mae",
            "baseline",
            "baseline_mae",
            "improvement_pct",
            "users",
        ],
    )


def active_days_distribution(db: Database, viewer: Viewer) -> pd.DataFrame:
    """Users per bucket of predicted active days in the next 30. Columns: active_days, users, order."""
    viewer.require_aggregate(Permission.VIEW_PREDICTIONS)
    rows = latest_rows("engagement")
    days = rows.select(days=rows.prediction_data["active_days"].float)
    buckets = ibis.cases(
        *((days.days < high, order) for order, (_, high, _) in enumerate(ACTIVE_DAY_BUCKETS))
    )
    counts = db.run(days.group_by(order=buckets).aggregate(users=days.count()))
    users = dict(zip(counts["order"], counts["users"], strict=True))
    return pd.DataFrame(
        [(label, int(users.get(order, 0)), order) for order, (_, _, label) in enumerate(ACTIVE_DAY_BUCKETS)],
        columns=["active_days", "users", "order"],
    )


def upcoming_levels(db: Database, viewer: Viewer, *, limit: int = 500) -> pd.DataFrame:
    """The `limit` soonest expected level-ups: user_id, next_level, expected_date, earliest, latest, words."""
    viewer.require_aggregate(Permission.VIEW_PREDICTIONS)
    rows = latest_rows("skill")
    data = rows.prediction_data
    table = rows.select(
        "user_id",
        next_level=data["next_level"].int,
        expected_date=data["expected_date"].str,
        earliest=data["earliest"].str,
        latest=data["latest"].str,
        words=data["words"].str,
    )
    return db.run(table.order_by("expected_date", "user_id").limit(limit))
