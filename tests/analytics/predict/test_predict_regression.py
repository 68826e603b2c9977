"""Engagement and performance predictions: holdout error below their naive baselines, sane values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError
from analytics.predict.engagement import engagement_predictions
from analytics.predict.estimators import one_thread
from analytics.predict.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, Windows
from analytics.predict.performance import performance_predictions
from analytics.predict.regression import RegressionModel


def synthetic(rows: int, seed: int) -> pd.DataFrame:
    """Users whose next value is exactly their current value plus one."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({column: rng.random(rows) for column in NUMERIC_FEATURES})
    for column in CATEGORICAL_FEATURES:
        frame[column] = "free"
    frame["recency_days"] = 0.0
    frame.insert(0, "user_id", [f"s{seed}-{n}" for n in range(rows)])
    frame["now"] = rng.uniform(0, 10, rows)
    frame["next"] = frame["now"] + 1
    return frame


def test_a_model_relative_to_the_baseline_learns_the_change():
    windows = Windows(
        as_of=date(2025, 1, 1),
        horizon_days=30,
        train_days=(date(2024, 11, 1),),
        validation_day=date(2024, 12, 1),
        train=synthetic(400, 1),
        validation=synthetic(200, 2),
        score=synthetic(5, 3),
    )
    model = RegressionModel(
        target="next", baseline="now", unit="points", relative_to_baseline=True, highest=10.5
    )
    with one_thread():
        model.fit(windows)
    assert model.quality_.baseline_mae == pytest.approx(1.0)
    assert model.quality_.mae < 0.05
    found = model.predict(windows.score)
    expected = np.minimum(windows.score["now"] + 1, 10.5).to_numpy()
    assert np.allclose(found["predicted"], expected, atol=0.05)
    assert (found["lower"] <= found["predicted"]).all() and (found["predicted"] <= found["upper"]).all()


def test_too_few_outcomes_are_refused():
    tiny = synthetic(10, 1)
    windows = Windows(date(2025, 1, 1), 30, (date(2024, 11, 1),), date(2024, 12, 1), tiny, tiny, tiny)
    with pytest.raises(AnalyticsError, match="needs at least 30 users with a known outcome in its training"):
        RegressionModel(target="next", baseline="now", unit="points").fit(windows)


def test_engagement_beats_last_month(learning_windows):
    with one_thread():
        found = engagement_predictions(learning_windows)
    quality = found.quality["active_days"]
    assert quality["mae"] < quality["baseline_mae"]
    assert 0.7 <= quality["interval_coverage"] <= 0.9
    days = np.array([data["active_days"] for data in found.data])
    assert ((days >= 0) & (days <= 30)).all()
    assert all(data["low"] <= data["active_days"] <= data["high"] for data in found.data)
    assert len(found) == (learning_windows.score["recency_days"] < 90).sum()


def test_engagement_needs_a_thirty_day_horizon(learning_windows):
    with pytest.raises(AnalyticsError, match="horizon_days=30. Got 14"):
        engagement_predictions(replace(learning_windows, horizon_days=14))


def test_performance_beats_this_month(learning_windows):
    with one_thread():
        found = performance_predictions(learning_windows)
    for measure in ("accuracy", "speed_s"):
        assert found.quality[measure]["mae"] < found.quality[measure]["baseline_mae"], measure
    accuracy = [data["accuracy"]["predicted"] for data in found.data if "accuracy" in data]
    assert accuracy and min(accuracy) >= 0 and max(accuracy) <= 1
    assert found.confidence[0] == min(found.quality[m]["interval_coverage"] for m in ("accuracy", "speed_s"))
