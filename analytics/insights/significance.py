"""What an insight is, and the filter that keeps trivia out: a significance test and a minimum effect size.

Each generator proposes candidate statements with a two-sided test. The p-values of one call's
candidates are adjusted for their number (Benjamini–Hochberg), and a statement is reported only when its
adjusted p < P_MAX (0.01) and its relative effect |value ÷ baseline − 1| is at least MIN_EFFECT (5%).
Statements without a test (percentiles against peers) pass a size filter of their own instead. Ranking
score = min(|effect|, 1) × min(−log10 p, 20) with the adjusted p: a larger effect with stronger evidence
ranks first; the caps keep huge samples and huge ratios from swamping everything else.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
from scipy import stats

from analytics.filters import Filters, parse_segment

P_MAX = 0.01
MIN_EFFECT = 0.05
MIN_GROUP = 30
"""Fewest users (or days) on each side of a comparison for it to be tested at all."""
MAX_EVIDENCE = 20.0
MAX_EFFECT = 1.0
"""Effects beyond ±100% rank as ±100%: a count ten times the median is not ten times as interesting."""


@dataclass(frozen=True)
class Insight:
    """One ranked statement and the numbers behind it.

    value is the figure of the group or period the text is about, baseline what it is compared with,
    effect = value ÷ baseline − 1, p_value the test's adjusted p (None for size-filtered statements), kind the
    generator's name and link the page path with the query string that shows it.
    """

    text: str
    value: float
    baseline: float
    effect: float
    p_value: float | None
    score: float
    kind: str
    link: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def relative_effect(value: float, baseline: float) -> float:
    """value ÷ baseline − 1 (NaN when the baseline is 0 or unknown)."""
    if baseline == 0 or not np.isfinite(baseline) or not np.isfinite(value):
        return math.nan
    return value / baseline - 1


def passes(effect: float, p_value: float | None) -> bool:
    """True when the effect is large enough and (when tested) significant."""
    if not np.isfinite(effect) or abs(effect) < MIN_EFFECT:
        return False
    return p_value is None or (np.isfinite(p_value) and p_value < P_MAX)


def score(effect: float, p_value: float) -> float:
    """min(|effect|, MAX_EFFECT) × min(−log10 p, MAX_EVIDENCE)."""
    evidence = MAX_EVIDENCE if p_value <= 0 else min(-math.log10(p_value), MAX_EVIDENCE)
    return round(min(abs(effect), MAX_EFFECT) * evidence, 4)


def two_proportion_p(hits_a: float, n_a: float, hits_b: float, n_b: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (NaN when a side is empty or all equal)."""
    if n_a <= 0 or n_b <= 0:
        return math.nan
    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return math.nan
    z = (hits_a / n_a - hits_b / n_b) / spread
    return float(2 * stats.norm.sf(abs(z)))


def welch_p(mean_a: float, var_a: float, n_a: float, mean_b: float, var_b: float, n_b: float) -> float:
    """Two-sided p-value of Welch's t-test from group means, sample variances and sizes."""
    if n_a < 2 or n_b < 2 or (var_a <= 0 and var_b <= 0):
        return math.nan
    return float(
        stats.ttest_ind_from_stats(
            mean_a, math.sqrt(max(var_a, 0)), n_a, mean_b, math.sqrt(max(var_b, 0)), n_b, equal_var=False
        ).pvalue
    )


def link(page: str, filters: Filters, **query: str) -> str:
    """'pages/NAME.py?start=…&end=…' for `filters`, with `query` added or replacing filter keys.

    A `segment` in `query` is added to the filters' segment (replacing a condition on the same key).
    """
    if "segment" in query and filters.segment:
        conditions = dict(filters.segment) | dict(parse_segment(query["segment"]))
        query = {**query, "segment": ",".join(f"{key}={value}" for key, value in sorted(conditions.items()))}
    return f"{page}?{urlencode({**filters.to_query(), **query})}"


def split_link(text: str) -> tuple[str, dict[str, str]]:
    """(page path, query parameters) of a link made by `link`."""
    page, _, query = text.partition("?")
    return page, dict(parse_qsl(query))


def adjusted_p(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (NaN stays NaN and does not count as a test)."""
    values = np.asarray(p_values, dtype=float)
    tested = np.flatnonzero(np.isfinite(values))
    adjusted = np.full(len(values), math.nan)
    if len(tested):
        order = tested[np.argsort(values[tested], kind="stable")]
        scaled = values[order] * len(tested) / np.arange(1, len(tested) + 1)
        adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adjusted.tolist()


def rank(candidates: list[Insight], max_items: int) -> list[Insight]:
    """The candidates that pass the filter after adjusting their p-values, best score first, at most `max_items`."""
    tested = [insight for insight in candidates if insight.p_value is not None]
    adjusted = dict(zip(map(id, tested), adjusted_p([insight.p_value for insight in tested]), strict=True))
    kept = []
    for insight in candidates:
        if insight.p_value is not None:
            p_value = adjusted[id(insight)]
            fitting = score(insight.effect, p_value) if np.isfinite(p_value) else 0.0
            insight = replace(insight, p_value=p_value, score=fitting)
        if passes(insight.effect, insight.p_value):
            kept.append(insight)
    return sorted(kept, key=lambda insight: (-insight.score, insight.text))[:max_items]
