"""Writing and reading the predictions table: replacement per run, latest run, consent and permissions."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.predict.store import (
    PredictionSet,
    churn_risk_list,
    read_predictions,
    read_quality,
    write_predictions,
    write_quality,
)
from analytics.viewer import SYSTEM, Viewer

DAY = date(2025, 6, 30)


def churn_set(probabilities: dict[str, float]) -> PredictionSet:
    return PredictionSet(
        prediction_type="churn",
        model_version="churn-test",
        horizon_days=30,
        user_ids=list(probabilities),
        data=[
            {
                "probability": p,
                "band": "high" if p >= 0.5 else "low",
                "reasons": ["no activity for 9 days"] * (p >= 0.5),
            }
            for p in probabilities.values()
        ],
        confidence=[max(p, 1 - p) for p in probabilities.values()],
    )


@pytest.fixture
def stored(db):
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO users (user_id, consent_analytics) VALUES ('a', TRUE), ('b', TRUE), ('c', FALSE)"
        )
        write_predictions(cursor, [churn_set({"a": 0.9, "b": 0.1, "c": 0.7})], as_of=date(2025, 6, 1))
        write_predictions(cursor, [churn_set({"a": 0.8, "b": 0.2, "c": 0.6})], as_of=DAY)
    return db


def test_readers_see_the_latest_run_without_withdrawn_users(stored):
    found = read_predictions(stored, SYSTEM, prediction_type="churn")
    assert found["user_id"].tolist() == ["a", "b"]
    assert found["as_of"].tolist() == [DAY, DAY]
    assert found["prediction_data"][0] == {
        "probability": 0.8,
        "band": "high",
        "reasons": ["no activity for 9 days"],
    }
    assert found.loc[0, ["confidence_score", "horizon_days", "model_version"]].tolist() == [
        0.8,
        30,
        "churn-test",
    ]


def test_a_run_replaces_its_own_day_only(stored):
    with stored.transaction() as cursor:
        assert write_predictions(cursor, [churn_set({"a": 0.3})], as_of=DAY) == 1
    assert read_predictions(stored, SYSTEM)["user_id"].tolist() == ["a"]
    assert stored.scalar("SELECT count(*) FROM predictions WHERE as_of = ?", [date(2025, 6, 1)]) == 3


def test_churn_risk_list_is_riskiest_first_and_filters_bands(stored):
    table = churn_risk_list(stored, SYSTEM)
    assert table[["user_id", "churn_probability", "risk_band"]].values.tolist() == [
        ["a", 0.8, "high"],
        ["b", 0.2, "low"],
    ]
    assert table["reasons"].tolist() == ["no activity for 9 days", ""]
    assert churn_risk_list(stored, SYSTEM, band="low")["user_id"].tolist() == ["b"]
    with pytest.raises(AnalyticsError, match="'band' must be one of low, medium, high. Got 'severe'"):
        churn_risk_list(stored, SYSTEM, band="severe")


def test_members_read_only_their_own(stored):
    member = Viewer.for_role("m", "member", user_id="a")
    assert read_predictions(stored, member, user_id="a")["user_id"].tolist() == ["a"]
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        read_predictions(stored, member, user_id="b")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        read_predictions(stored, member)
    manager = Viewer.for_role("pm", "product_manager")
    assert len(read_predictions(stored, manager, user_id="b")) == 1


def test_unknown_types_are_refused(stored):
    with pytest.raises(AnalyticsError, match="'prediction_type' must be one of churn, engagement"):
        read_predictions(stored, SYSTEM, prediction_type="lifetime_value")


def test_quality_of_the_latest_run(db):
    assert read_quality(db, SYSTEM) is None
    with db.transaction() as cursor:
        write_quality(cursor, {"as_of": "2025-06-30", "models": {"churn": {"chosen": "x"}}})
    assert read_quality(db, SYSTEM)["models"]["churn"]["chosen"] == "x"
