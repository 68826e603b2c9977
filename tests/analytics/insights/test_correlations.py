"""Phi against a hand-computed 2×2 table, and a constructed cohort where lessons go with retention."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from analytics.filters import Filters
from analytics.insights import behaviour_correlations, metric_correlations
from analytics.insights.correlations import cohort_filters, phi_test
from analytics.viewer import SYSTEM
from tests.analytics.recommend.loader import at, load

FIRST = date(2024, 1, 8)


def test_phi_by_hand():
    # behaviour & retained 20, behaviour only 10, retained only 5, neither 15 (n = 50)
    phi, chi2, p_value = phi_test(20, 10, 5, 15)
    assert phi == pytest.approx((20 * 15 - 10 * 5) / math.sqrt(30 * 20 * 25 * 25))  # 0.4082
    assert chi2 == pytest.approx(50 * phi**2)  # 8.333
    expected = stats.chi2_contingency(np.array([[20, 10], [5, 15]]), correction=False)
    assert chi2 == pytest.approx(expected.statistic)
    assert p_value == pytest.approx(expected.pvalue)
    assert all(math.isnan(value) for value in phi_test(5, 5, 0, 0))


def cohort_events() -> list[tuple]:
    """24 users start on 8 January. 12 take a lesson in week 1 and 10 of them return on day 30;
    the other 12 only do an exercise and 2 of them return. Someone else's activity in May makes the
    data run past everyone's outcome window."""
    events = [("later", "lesson", at(date(2024, 5, 1)), {})]
    for n in range(24):
        user, lesson = f"u{n}", n < 12
        events.append((user, "lesson" if lesson else "exercise", at(FIRST), {"accuracy": 0.9}))
        if (lesson and n < 10) or (not lesson and n >= 22):
            events.append((user, "exercise", at(FIRST + timedelta(days=30)), {"accuracy": 0.9}))
    return events


def test_lessons_go_with_retention(db):
    load(db, cohort_events())
    table = behaviour_correlations(
        db, SYSTEM, Filters(start=date(2024, 1, 1), end=date(2024, 1, 31)), today=date(2024, 6, 1)
    )
    lesson = table.set_index("behaviour").loc["did lesson"]
    # 2×2: lesson & back 10, lesson only 2, back without lesson 2, neither 10 → phi = 96 / 144
    assert lesson["phi"] == pytest.approx(round(96 / 144, 4))
    assert (lesson["users_with"], lesson["retained_with_pct"], lesson["retained_without_pct"]) == (
        12,
        83.3,
        16.7,
    )
    assert lesson["significant"] and lesson["goes_with"] == "retention"
    assert table.set_index("behaviour").loc["did exercise", "goes_with"] == "churn"
    assert table["phi"].abs().is_monotonic_decreasing


def test_windows_not_over_yet_leave_the_table_empty(db):
    load(db, cohort_events())
    period = Filters(start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert behaviour_correlations(db, SYSTEM, period, today=date(2024, 2, 20)).empty


def test_metric_correlations_name_their_method(seeded_db):
    period = Filters(start=date(2025, 6, 3), end=date(2025, 6, 30))
    table = metric_correlations(seeded_db, SYSTEM, period, cohort=cohort_filters(period, date(2024, 11, 2)))
    assert set(table["method"]) == {"pearson", "point_biserial"}
    assert table["r"].between(-1, 1).all() and (table["users"] > 10).all()
