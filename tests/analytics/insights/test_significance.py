"""The trivia filter: two-proportion and Welch tests, Benjamini–Hochberg adjustment, ranking and links."""

from __future__ import annotations

import math
from datetime import date

import pytest
from scipy import stats

from analytics.filters import Filters
from analytics.insights.significance import (
    Insight,
    adjusted_p,
    link,
    rank,
    relative_effect,
    score,
    split_link,
    two_proportion_p,
    welch_p,
)


def test_two_proportion_z_test_by_hand():
    # 60/100 vs 40/100: pooled 0.5, standard error √(0.25 · 0.02) = 0.0707, z = 2.828.
    assert two_proportion_p(60, 100, 40, 100) == pytest.approx(2 * stats.norm.sf(0.2 / math.sqrt(0.005)))
    assert two_proportion_p(60, 100, 40, 100) == pytest.approx(0.00468, abs=1e-5)
    assert math.isnan(two_proportion_p(0, 0, 1, 10))


def test_welch_from_moments_matches_scipy_on_the_values():
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    expected = stats.ttest_ind(a, b, equal_var=False).pvalue
    assert welch_p(2.5, stats.tvar(a), 4, 6.0, stats.tvar(b), 5) == pytest.approx(expected)


def test_benjamini_hochberg_by_hand():
    # Sorted 0.01, 0.03, 0.04 of m = 3: 0.03, 0.045, 0.04 → running minimum from the top: 0.03, 0.04, 0.04.
    found = adjusted_p([0.01, 0.04, 0.03, math.nan])
    assert found[:3] == pytest.approx([0.03, 0.04, 0.04])
    assert math.isnan(found[3])


def candidate(text: str, value: float, baseline: float, p_value: float | None) -> Insight:
    effect = relative_effect(value, baseline)
    return Insight(text, value, baseline, effect, p_value, 0.0, "test", "pages/overview.py?start=2024-01-01")


def test_rank_keeps_large_significant_effects_only():
    found = rank(
        [
            candidate("big and sure", 0.6, 0.4, 1e-6),
            candidate("tiny but sure", 0.41, 0.40, 1e-12),  # 2.5%: below the 5% size filter
            candidate("big but unsure", 0.6, 0.4, 0.2),
            candidate("size only", 12.0, 6.0, None),
        ],
        max_items=10,
    )
    assert [insight.text for insight in found] == ["big and sure", "size only"]
    # Adjusted over the three tested candidates, where 1e-6 is the second smallest: 1e-6 · 3 / 2.
    assert found[0].p_value == pytest.approx(1.5e-6)
    assert found[0].score == pytest.approx(0.5 * -math.log10(1.5e-6), rel=1e-4)
    assert rank([candidate("x", 0.6, 0.4, 1e-9)] * 3, max_items=2)[1].text == "x"


def test_score_caps_effect_and_evidence():
    assert score(0.2, 1e-3) == pytest.approx(0.6)
    assert score(5.0, 1e-300) == 20.0


def test_links_carry_the_filters_and_add_to_the_segment():
    filters = Filters(start=date(2024, 3, 1), end=date(2024, 3, 28), segment=(("country", "DE"),))
    text = link("pages/performance.py", filters, segment="plan=pro")
    page, query = split_link(text)
    assert page == "pages/performance.py"
    assert query == {
        "start": "2024-03-01",
        "end": "2024-03-28",
        "grain": "day",
        "segment": "country=DE,plan=pro",
    }
