"""Quality figures against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.predict.quality import (
    RegressionQuality,
    ResidualIntervals,
    classifier_quality,
    mean_absolute_error,
    reliability_bins,
)


def test_reliability_bins_average_each_tenth():
    bins = reliability_bins(np.array([0, 1, 1, 0, 1]), np.array([0.05, 0.15, 0.12, 0.95, 1.0]))
    expected = pd.DataFrame(
        {
            "bin_low": [0.0, 0.1, 0.9],
            "bin_high": [0.1, 0.2, 1.0],
            "mean_predicted": [0.05, 0.135, 0.975],
            "observed": [0.0, 1.0, 0.5],
            "users": [1, 2, 2],
        }
    )
    pd.testing.assert_frame_equal(bins, expected, check_dtype=False)


def test_classifier_quality_by_hand():
    quality = classifier_quality(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert quality.roc_auc == pytest.approx(3 / 4)  # of 4 (left, stayed) pairs, 3 ranked right
    assert quality.pr_auc == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert quality.brier == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert (quality.rows, quality.positive_share) == (4, 0.5)
    assert quality.to_dict()["reliability"][0]["users"] == 1


def test_a_separate_score_ranks_while_probability_scores():
    quality = classifier_quality(np.array([0, 0, 1, 1]), np.full(4, 0.5), score=np.array([1, 2, 3, 4]))
    assert quality.roc_auc == 1.0 and quality.brier == 0.25


def test_regression_figures():
    assert mean_absolute_error(np.array([1.0, 4.0]), np.array([2.0, 2.0])) == 1.5
    quality = RegressionQuality(
        "y", "days", mae=1.0, baseline_mae=2.0, baseline="x", rows=2, interval_coverage=0.8
    )
    assert quality.improvement_pct == 50.0 and quality.to_dict()["improvement_pct"] == 50.0


def test_residual_intervals_hold_eighty_percent():
    predicted, actual = np.zeros(10), np.arange(10.0)
    intervals = ResidualIntervals.from_holdout(predicted, actual, groups=1)
    lower, upper = intervals.bounds(np.array([5.0]))
    assert (lower[0], upper[0]) == pytest.approx((5.9, 13.1))  # residual quantiles 0.9 and 8.1
    assert intervals.coverage(predicted, actual) == pytest.approx(0.8)


def test_residual_intervals_widen_with_the_prediction():
    predicted = np.repeat([1.0, 10.0], 50)
    actual = predicted + np.tile(np.linspace(-1, 1, 50), 2) * predicted
    intervals = ResidualIntervals.from_holdout(predicted, actual, groups=2)
    small, large = (np.subtract(*reversed(intervals.bounds(np.array([x])))) for x in (1.0, 10.0))
    assert large[0] == pytest.approx(10 * small[0])
