"""The churn model on 2,000 generated users: better than recency alone, point in time, with bands and reasons."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.predict.churn import ChurnModel, check_horizon, churn_scores, risk_band
from analytics.predict.estimators import one_thread
from analytics.predict.features import user_features
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.predict.predict_data import LEARNING_AS_OF, add_events

AS_OF = LEARNING_AS_OF


@pytest.fixture(scope="module")
def fitted(learning_windows):
    """(windows, model) trained as of 31 May on the 2,000-user data set."""
    with one_thread():
        return learning_windows, ChurnModel().fit(learning_windows)


def test_beats_the_recency_baseline(fitted):
    quality = fitted[1].quality_
    model, baseline = quality.model, quality.baseline
    # A 30-day horizon (these windows are shared with the engagement tests) labels many pauses as churn, so
    # about 0.82 is what any model reaches here; the 0.85 goal is held at the default 60 days on the demo
    # data in test_churn_horizon.py (docs/models.md).
    assert model.roc_auc >= 0.80
    assert model.roc_auc >= baseline.roc_auc + 0.02
    assert model.pr_auc > baseline.pr_auc and model.brier < baseline.brier
    assert quality.chosen in quality.candidates_roc_auc
    assert model.reliability["users"].sum() == model.rows


def test_probabilities_are_calibrated(fitted):
    bins = fitted[1].quality_.model.reliability
    big = bins[bins["users"] >= 50]
    assert np.average(np.abs(big["mean_predicted"] - big["observed"]), weights=big["users"]) < 0.08


def test_bands_and_reasons(fitted):
    windows, model = fitted
    scores = model.predict(windows.score)
    assert list(scores.columns) == ["user_id", "churn_probability", "risk_band", "reasons"]
    assert len(scores) == len(windows.score)
    assert (scores["risk_band"] == risk_band(scores["churn_probability"].to_numpy())).all()
    assert (scores.loc[scores["risk_band"] == "low", "reasons"].map(len) == 0).all()
    at_risk = scores[scores["risk_band"] != "low"]
    assert (at_risk["reasons"].map(len) > 0).mean() > 0.9
    idle = windows.score["recency_days"].to_numpy() >= 90
    assert np.allclose(scores.loc[idle, "churn_probability"], model.idle_probability_)


def test_risk_band_thresholds():
    assert list(risk_band(np.array([0.0, 0.19, 0.2, 0.49, 0.5, 1.0]))) == [
        "low", "low", "medium", "medium", "high", "high",
    ]  # fmt: skip


def test_future_events_change_neither_features_nor_scores(learning_db):
    first_scores, _ = churn_scores(learning_db, SYSTEM, as_of=AS_OF)
    features = user_features(learning_db, as_of=AS_OF)
    users = features["user_id"].iloc[:40].tolist()
    cut = pd.Timestamp(AS_OF + timedelta(days=1))
    future = [(user, "exercise", str(cut + pd.Timedelta(minutes=k)), f"future-{k}", {"accuracy": 0.01, "level": 10})
              for k, user in enumerate(users)]  # fmt: skip
    future.append(("u999999", "signup", str(cut), "future-new"))
    add_events(learning_db, future, users={"u999999": {"plan": "team"}})
    pd.testing.assert_frame_equal(user_features(learning_db, as_of=AS_OF), features)
    again, _ = churn_scores(learning_db, SYSTEM, as_of=AS_OF)
    pd.testing.assert_frame_equal(again, first_scores)


@pytest.mark.parametrize("value", [0, 181, 7.5, True, "30"])
def test_horizon_must_be_a_whole_number_of_days(value):
    with pytest.raises(AnalyticsError, match=r"'horizon_days' parameter must be an int in \[1, 180\]"):
        check_horizon(value)


def test_members_may_not_score_everyone(db):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS|GENERATE_PREDICTIONS"):
        churn_scores(db, Viewer.for_role("m", "member", user_id="u1"))
