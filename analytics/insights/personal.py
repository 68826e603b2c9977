"""Personal insights: statements about one user against their own history and their peers.

Generators (kind — comparison — test):
- personal_activity: active days of the period against the mean of up to HISTORY_PERIODS previous equal
  periods of the user's lifetime (two-proportion z-test on active days ÷ days);
- personal_accuracy / personal_completion: Σ accuracy ÷ answers and completed ÷ completable against the
  previous period (two-proportion z-test, treating accuracy points as successes; at least MIN_ANSWERS
  answers on each side);
- personal_skill: accuracy on each skill against the user's other skills in the period (two-proportion,
  MIN_ANSWERS on each side);
- peer: a metric on which the user is at or beyond the PEER_EXTREME_PCT-th percentile from either end of
  their peer group (`analytics.peers.peer_percentiles`, groups of at least MIN_PEERS). No test: the size
  filter is the percentile itself, and the score is that of a p of exactly 0.01: min(|effect|, 1) × 2.
Then `significance.rank` applies the same filter as for product insights.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from analytics.db import Database
from analytics.filters import Filters, literal_day
from analytics.insights.significance import Insight, link, rank, relative_effect, score, two_proportion_p
from analytics.json_fields import json_number, json_text
from analytics.peers import MIN_PEERS, PEER_METRICS, peer_percentiles, self_comparison
from analytics.periods import local_midnight_utc
from analytics.schema import EVENTS, USER_DAILY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

HISTORY_PERIODS = 4
MIN_ANSWERS = 10
PEER_EXTREME_PCT = 20
SIZE_FILTER_P = 0.01
"""Peer statements are scored as if their p were the threshold itself."""
FORMATS = {
    "active_days": "{:.0f}",
    "active_day_share": "{:.0%}",
    "sessions": "{:.0f}",
    "accuracy": "{:.1%}",
    "speed_s": "{:.1f} s",
    "completion_rate": "{:.1%}",
    "skill_level": "{:.0f}",
    "engagement_score": "{:.0f}",
}


def personal_insights(
    db: Database,
    viewer: Viewer,
    user_id: str,
    filters: Filters,
    *,
    max_items: int = 10,
    peer_group: str = "plan",
) -> list[Insight]:
    """The `max_items` best statements about `user_id` in the filters' period that pass the filter."""
    viewer.require_user(user_id, Permission.VIEW_USER_INSIGHTS)
    page = link("pages/compare.py", filters, users=user_id)
    candidates = [
        *_activity(db, viewer, user_id, filters, page),
        *_own_ratios(db, user_id, filters, page),
        *_skills(db, user_id, filters, page),
        *_peers(db, viewer, user_id, filters, peer_group, page),
    ]
    return rank(candidates, max_items)


def _tested(text: str, value: float, baseline: float, p_value: float, kind: str, page: str) -> Insight:
    effect = relative_effect(value, baseline)
    fitting = score(effect, p_value) if pd.notna(effect) and pd.notna(p_value) else 0.0
    return Insight(text, float(value), float(baseline), effect, p_value, fitting, kind, page)


def _activity(db: Database, viewer: Viewer, user_id: str, filters: Filters, page: str) -> list[Insight]:
    history = self_comparison(db, viewer, user_id, filters, periods=HISTORY_PERIODS).set_index("metric")
    row = history.loc["active_days"]
    periods = int(row["history_periods"])
    if periods == 0 or pd.isna(row["history_mean"]):
        return []
    value, baseline = float(row["value"]), float(row["history_mean"])
    p_value = two_proportion_p(value, filters.days, baseline * periods, filters.days * periods)
    effect = relative_effect(value, baseline)
    text = (
        f"You were active on {value:.0f} of {filters.days} days, {abs(effect):.0%} "
        f"{'more' if effect > 0 else 'less'} than your usual {baseline:.1f}"
    )
    return [_tested(text, value, baseline, p_value, "personal_activity", page)]


def _sums(db: Database, user_id: str, window: Filters) -> pd.Series:
    daily = analysable(USER_DAILY)
    mine = daily.filter(
        (daily.user_id == user_id) & daily.day.between(literal_day(window.start), literal_day(window.end))
    )
    names = ("accuracy_sum", "accuracy_count", "completed_count", "completable_count")
    found = db.run(mine.aggregate(**{name: mine[name].sum() for name in names})).iloc[0]
    return found.fillna(0).astype(float)


def _own_ratios(db: Database, user_id: str, filters: Filters, page: str) -> list[Insight]:
    now, before = _sums(db, user_id, filters), _sums(db, user_id, filters.previous())
    found = []
    for kind, label, hits, total in (
        ("personal_accuracy", "accuracy", "accuracy_sum", "accuracy_count"),
        ("personal_completion", "completion rate", "completed_count", "completable_count"),
    ):
        if now[total] < MIN_ANSWERS or before[total] < MIN_ANSWERS:
            continue
        value, baseline = now[hits] / now[total], before[hits] / before[total]
        p_value = two_proportion_p(now[hits], now[total], before[hits], before[total])
        text = (
            f"Your {label} {'rose' if value > baseline else 'fell'} to {value:.1%} from {baseline:.1%} in the "
            f"previous {filters.days} days ({now[total]:.0f} vs {before[total]:.0f} answers)"
        )
        found.append(_tested(text, value, baseline, p_value, kind, page))
    return found


def _skills(db: Database, user_id: str, filters: Filters, page: str) -> list[Insight]:
    zone = load_settings().reporting_timezone
    events = analysable(EVENTS)
    events = events.filter(
        (events.user_id == user_id)
        & (events.timestamp >= local_midnight_utc(filters.start, zone))
        & (events.timestamp < local_midnight_utc(filters.end + timedelta(days=1), zone))
    )
    graded = events.select(
        skill=json_text(events.properties, "skill"), accuracy=json_number(events.properties, "accuracy")
    )
    graded = graded.filter(graded.skill.notnull() & graded.accuracy.notnull())
    skills = db.run(graded.group_by("skill").aggregate(points=graded.accuracy.sum(), answers=graded.count()))
    total_points, total_answers = skills["points"].sum(), skills["answers"].sum()
    found = []
    for row in skills.itertuples():
        rest_points, rest_answers = total_points - row.points, total_answers - row.answers
        if row.answers < MIN_ANSWERS or rest_answers < MIN_ANSWERS:
            continue
        value, baseline = row.points / row.answers, rest_points / rest_answers
        effect = relative_effect(value, baseline)
        text = (
            f"Your {row.skill} accuracy is {abs(effect):.0%} {'above' if effect > 0 else 'below'} your other "
            f"skills ({value:.1%} vs {baseline:.1%})"
        )
        p_value = two_proportion_p(row.points, row.answers, rest_points, rest_answers)
        found.append(_tested(text, value, baseline, p_value, "personal_skill", page))
    return found


def _peers(
    db: Database, viewer: Viewer, user_id: str, filters: Filters, peer_group: str, page: str
) -> list[Insight]:
    table = peer_percentiles(db, viewer, user_id, filters, peer_group=peer_group)
    table = table[(table["peers"] >= MIN_PEERS) & table["percentile"].notna()]
    found = []
    for row in table.itertuples():
        high, low = row.percentile >= 100 - PEER_EXTREME_PCT, row.percentile <= PEER_EXTREME_PCT
        if not (high or low):
            continue
        effect = relative_effect(row.value, row.peer_median)
        fmt = FORMATS[row.metric]
        share = row.percentile if high else 100 - row.percentile
        text = (
            f"{PEER_METRICS[row.metric].label}: {fmt.format(row.value)}, {'higher' if high else 'lower'} than "
            f"{share:.0f}% of your {row.peers} peers (same {peer_group.replace('_', ' ')}; median "
            f"{fmt.format(row.peer_median)})"
        )
        found.append(
            Insight(
                text, float(row.value), float(row.peer_median), effect, None,
                score(effect, SIZE_FILTER_P) if pd.notna(effect) else 0.0, "peer", page,
            )
        )  # fmt: skip
    return found
