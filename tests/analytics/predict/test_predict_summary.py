"""The page's summaries of a stored run, from hand-made rows and quality figures."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.predict.store import PredictionSet, write_predictions, write_quality
from analytics.predict.summary import (
    active_days_distribution,
    churn_quality,
    regression_quality,
    upcoming_levels,
)
from analytics.viewer import SYSTEM

BINS = [{"bin_low": 0.0, "bin_high": 0.1, "mean_predicted": 0.05, "observed": 0.04, "users": 10}]
LABEL_CHECK = {
    "window": "2024-12-01",
    "followed_until": "2025-06-30",
    "labelled_gone": 40,
    "returned": 10,
    "returned_share": 0.25,
}
QUALITY = {
    "as_of": "2025-06-30",
    "models": {
        "churn": {
            "chosen": "gradient_boosting",
            "horizon_days": 60,
            "validation_day": "2025-05-31",
            "label_check": LABEL_CHECK,
            "model": {
                "roc_auc": 0.83,
                "pr_auc": 0.7,
                "brier": 0.15,
                "rows": 10,
                "positive_share": 0.3,
                "reliability": BINS,
            },
            "baseline": {
                "roc_auc": 0.75,
                "pr_auc": 0.6,
                "brier": 0.18,
                "rows": 10,
                "positive_share": 0.3,
                "reliability": BINS,
            },
        },
        "engagement": {
            "active_days": {
                "mae": 1.2,
                "baseline_mae": 1.5,
                "baseline": "active_days_30",
                "unit": "days",
                "rows": 9,
            }
        },
        "skill": {
            "next_level": {"mae_days": 20.0, "baseline_mae_days": 30.0, "baseline": "median", "rows": 8}
        },
    },
}


@pytest.fixture
def stored(db):
    with db.transaction() as cursor:
        write_quality(cursor, QUALITY)
        engagement = PredictionSet(
            "engagement", "e", 30, ["a", "b", "c"], [{"active_days": d} for d in (0.4, 2.0, 25.0)], [0.8] * 3
        )
        skill = PredictionSet(
            "skill",
            "s",
            None,
            ["a", "b"],
            [
                {
                    "next_level": 3,
                    "expected_date": "2025-08-01",
                    "earliest": None,
                    "latest": None,
                    "words": "w1",
                },
                {
                    "next_level": 2,
                    "expected_date": "2025-07-05",
                    "earliest": None,
                    "latest": None,
                    "words": "w2",
                },
            ],
            [0.8] * 2,
        )
        write_predictions(cursor, [engagement, skill], as_of=date(2025, 6, 30))
    return db


def test_churn_quality_side_by_side(stored):
    view = churn_quality(stored, SYSTEM)
    assert (view.as_of, view.chosen, view.users, view.churn_share) == (
        date(2025, 6, 30),
        "gradient boosting",
        10,
        0.3,
    )
    assert view.metrics.values.tolist() == [
        ["ROC AUC", 0.83, 0.75, True], ["PR AUC", 0.7, 0.6, True], ["Brier score", 0.15, 0.18, False],
    ]  # fmt: skip
    assert view.reliability["series"].tolist() == ["model", "days since last event"]
    assert (view.horizon_days, view.label_check) == (60, LABEL_CHECK)


def test_no_run_no_quality(db):
    assert churn_quality(db, SYSTEM) is None
    assert regression_quality(db, SYSTEM).empty


def test_regression_errors_beside_baselines(stored):
    table = regression_quality(stored, SYSTEM)
    assert table[["prediction", "measure", "mae", "baseline_mae"]].values.tolist() == [
        ["engagement", "active_days", 1.2, 1.5], ["skill", "next_level", 20.0, 30.0],
    ]  # fmt: skip
    assert table["improvement_pct"].round(6).tolist() == [20.0, pytest.approx(33.333333)]


def test_active_days_buckets(stored):
    table = active_days_distribution(stored, SYSTEM)
    assert dict(zip(table["active_days"], table["users"], strict=True)) == {
        "under 1": 1, "1-2": 1, "3-5": 0, "6-10": 0, "11-20": 0, "21-30": 1,
    }  # fmt: skip


def test_upcoming_levels_soonest_first(stored):
    assert upcoming_levels(stored, SYSTEM)[["user_id", "words"]].values.tolist() == [["b", "w2"], ["a", "w1"]]
