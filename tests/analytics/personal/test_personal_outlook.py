"""Predictions in words: members read encouragement and never their churn risk; staff see the churn band."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import PermissionDenied
from analytics.personal.outlook import personal_outlook
from analytics.predict.store import PredictionSet, write_predictions, write_quality
from analytics.viewer import Viewer

AS_OF = date(2025, 6, 30)
ANA = Viewer.for_role("ana-account", "member", user_id="ana")
PM = Viewer.for_role("pm", "product_manager")
REGRESSION = {
    "mae": 1.5,
    "baseline_mae": 2.0,
    "baseline": "active_days_30",
    "unit": "days",
    "interval_coverage": 0.8,
}
QUALITY = {
    "as_of": "2025-06-30",
    "models": {
        "churn": {
            "chosen": "logistic_regression",
            "model": {"roc_auc": 0.84, "brier": 0.1734},
            "baseline": {"roc_auc": 0.8},
        },
        "engagement": {"active_days": REGRESSION},
        "performance": {
            "accuracy": {**REGRESSION, "mae": 0.05, "baseline_mae": 0.06, "baseline": "accuracy_30"},
        },
        "skill": {"next_level": {"rows": 3}},
    },
}


def one(kind: str, data: dict, horizon_days: int | None = 30) -> PredictionSet:
    return PredictionSet(kind, f"{kind}-1", horizon_days, ["ana"], [data], [0.8])


@pytest.fixture
def predicted(db):
    sets = [
        one("churn", {"probability": 0.62, "band": "high", "reasons": ["no activity for 9 days"]}),
        one("engagement", {"active_days": 8.4, "low": 5.0, "high": 11.2, "baseline_active_days": 11}),
        one("performance", {"accuracy": {"predicted": 0.8, "low": 0.7, "high": 0.9, "this_month": 0.75}}),
        one(
            "skill",
            {
                "current_level": 4,
                "next_level": 5,
                "expected_date": "2025-07-12",
                "earliest": "2025-07-05",
                "latest": "2025-07-25",
                "words": "at this pace you reach level 5 around 12 July (between 5 and 25 July)",
            },
            horizon_days=None,
        ),
    ]
    with db.transaction() as cursor:
        cursor.execute("INSERT INTO users (user_id) VALUES ('ana'), ('bob')")
        write_predictions(cursor, sets, as_of=AS_OF)
        write_quality(cursor, QUALITY)
    return db


def test_a_member_reads_an_encouraging_outlook_without_churn(predicted):
    found = personal_outlook(predicted, ANA, "ana")
    assert [(o.kind, o.text) for o in found] == [
        ("skill", "At this pace you reach level 5 around 12 July (between 5 and 25 July)."),
        (
            "engagement",
            "At this pace you will practise on about 8 days in the next 30 (likely 5 to 11). "
            "A short session on a few more days would match your last 30 days (11).",
        ),
        (
            "performance",
            "Next month your accuracy should be around 80% (likely 70% to 90%; 75% in the last 30 days).",
        ),
    ]
    assert not any("churn" in o.text.lower() or "risk" in o.text.lower() for o in found)
    assert (
        found[0].small_print
        == "Model skill-1, as of 30 Jun 2025: its accuracy has not been measured yet (too little history)."
    )
    assert found[1].small_print == (
        "Model engagement-1, as of 30 Jun 2025. On users it was checked on, it was off by 1.5 days on average, "
        "against 2.0 days for the simple rule \u201cthe next 30 days are like the last 30\u201d; the range held "
        "for 80% of them."
    )
    assert "off by 5.0 points on average, against 6.0 points" in found[2].small_print


def test_staff_read_plain_figures_and_the_churn_band(predicted):
    found = {o.kind: o for o in personal_outlook(predicted, PM, "ana")}
    assert found["skill"].text == "Level 5 expected around 12 July 2025 (likely 05 Jul to 25 Jul 2025)."
    assert (
        found["engagement"].text
        == "About 8.4 active days expected in the next 30 (likely 5 to 11); 11 in the last 30."
    )
    assert found["churn"].text == (
        "Churn risk: high (62% chance of no activity in the next 30 days). Why: no activity for 9 days."
    )
    assert found["churn"].small_print == (
        "Model churn-1, as of 30 Jun 2025 (logistic regression). On held-out users: ROC AUC 0.84 against 0.80 "
        "for days since the last event alone; Brier score 0.173."
    )


def test_at_least_as_many_days_as_before_reads_keep_it_up(predicted):
    with predicted.transaction() as cursor:
        write_predictions(
            cursor,
            [one("engagement", {"active_days": 10.6, "low": 8.0, "high": 13.0, "baseline_active_days": 11})],
            as_of=AS_OF,
        )
    engagement = [o for o in personal_outlook(predicted, ANA, "ana") if o.kind == "engagement"]
    assert engagement[0].text.startswith("Keep it up: at this pace you will practise on about 11 days")


def test_no_predictions_no_statements_and_members_only_their_own(predicted):
    assert personal_outlook(predicted, Viewer.for_role("b", "member", user_id="bob"), "bob") == []
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        personal_outlook(predicted, ANA, "bob")
