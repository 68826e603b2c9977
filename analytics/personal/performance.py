"""One user's performance: accuracy, speed, completion and skill level, with their trend against the user's
own recent past and their standing among peers (`analytics.peers.peer_percentiles`), and week by week.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.filters import Filters
from analytics.peers import PEER_METRICS, peer_percentiles
from analytics.personal.activity import MAX_WEEKS, check_count, daily_rows, week_start
from analytics.viewer import Viewer
from config.permissions import Permission

METRICS = ("accuracy", "speed_s", "completion_rate", "skill_level")
HISTORY_PERIODS = 4
STEADY_PCT = 5.0
"""A change smaller than this (percent of the usual value) reads as "steady"."""
SUMMARY_COLUMNS = [
    "metric",
    "label",
    "value",
    "usual",
    "change_pct",
    "trend",
    "percentile",
    "ahead_of_pct",
    "peers",
    "note",
]
WEEKLY_COLUMNS = ["week_start", *METRICS, "complete"]


def trend_of(metric: str, change_pct: float) -> str:
    """The change in words: "better" or "worse" by the metric's good direction, "steady" within STEADY_PCT."""
    if np.isnan(change_pct):
        return ""
    if abs(change_pct) < STEADY_PCT:
        return "steady"
    better = (change_pct > 0) == PEER_METRICS[metric].higher_is_better
    return "better" if better else "worse"


def period_values(daily: pd.DataFrame, first_day: date, last_day: date) -> dict[str, float]:
    """METRICS over daily rows (activity.DAILY_COLUMNS) of first_day..last_day; NaN where nothing to measure.

    Ratios of sums: accuracy = Σ accuracy ÷ answers, speed_s = Σ exercise seconds ÷ exercises,
    completion_rate = completed ÷ completable; skill_level is the highest level of those days.
    """
    rows = daily[(daily["day"] >= first_day) & (daily["day"] <= last_day)]

    def ratio(top: str, bottom: str) -> float:
        total = rows[bottom].sum()
        return float(rows[top].sum() / total) if total else np.nan

    levels = rows["max_level"].dropna()
    return {
        "accuracy": ratio("accuracy_sum", "accuracy_count"),
        "speed_s": ratio("exercise_seconds", "exercise_count"),
        "completion_rate": ratio("completed_count", "completable_count"),
        "skill_level": float(levels.max()) if len(levels) else np.nan,
    }


def usual_values(daily: pd.DataFrame, filters: Filters, *, periods: int = HISTORY_PERIODS) -> pd.Series:
    """The mean of each metric over the `periods` equal periods before the filters' period, as
    `peers.self_comparison` takes it: periods ending before the user's first active day are skipped,
    and each metric is averaged over the periods that have a value (NaN when none has).
    """
    first_active = daily["day"].min() if len(daily) else None
    values = []
    for back in range(1, periods + 1):
        last_day = filters.start - timedelta(days=(back - 1) * filters.days + 1)
        if first_active is None or last_day < first_active:
            continue
        values.append(period_values(daily, last_day - timedelta(days=filters.days - 1), last_day))
    return pd.DataFrame(values, columns=list(METRICS)).astype(float).mean()


def performance_summary(
    db: Database, viewer: Viewer, user_id: str, filters: Filters, *, peer_group: str = "plan"
) -> pd.DataFrame:
    """The user's METRICS over the filters' period, their trend and their standing among peers.

    Columns: SUMMARY_COLUMNS: usual is `usual_values` (the mean of the HISTORY_PERIODS previous equal
    periods), change_pct = 100 × (value − usual) ÷ usual, trend "better"/"worse" (by the metric's good
    direction) or "steady" (|change_pct| < STEADY_PCT), "" when unknown; value, percentile, peers and
    note as in `peers.peer_percentiles`; ahead_of_pct is the share of peers the user beats
    (percentile, or 100 − percentile where lower is better).
    """
    viewer.require_user(user_id, Permission.VIEW_USER_PERFORMANCE)
    standing = peer_percentiles(db, viewer, user_id, filters, peer_group=peer_group).set_index("metric")
    usual = usual_values(daily_rows(db, user_id, until=filters.start - timedelta(days=1)), filters)
    rows = []
    for metric in METRICS:
        value = float(standing.at[metric, "value"])
        change_pct = 100 * (value - usual[metric]) / usual[metric] if usual[metric] else np.nan
        percentile = float(standing.at[metric, "percentile"])
        ahead = percentile if PEER_METRICS[metric].higher_is_better else 100 - percentile
        rows.append(
            {
                "metric": metric,
                "label": PEER_METRICS[metric].label,
                "value": value,
                "usual": float(usual[metric]),
                "change_pct": change_pct,
                "trend": trend_of(metric, change_pct),
                "percentile": percentile,
                "ahead_of_pct": ahead,
                "peers": int(standing.at[metric, "peers"]),
                "note": standing.at[metric, "note"],
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def weekly_performance_of(daily: pd.DataFrame, *, as_of: date, weeks: int = 12) -> pd.DataFrame:
    """`weekly_performance` from the user's daily rows (`daily_rows`)."""
    last = week_start(as_of)
    daily = daily[daily["day"] <= as_of]
    mondays = [last - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    rows = [
        {"week_start": monday, **period_values(daily, monday, monday + timedelta(days=6))}
        for monday in mondays
    ]
    frame = pd.DataFrame(rows, columns=WEEKLY_COLUMNS[:-1])
    frame["complete"] = frame["week_start"] != last
    return frame[WEEKLY_COLUMNS]


def weekly_performance(
    db: Database, viewer: Viewer, user_id: str, *, as_of: date, weeks: int = 12
) -> pd.DataFrame:
    """The user's METRICS (`period_values`) per Monday week, for the `weeks` weeks ending with the one
    holding `as_of`. Columns: WEEKLY_COLUMNS; complete is False for the week of as_of.
    """
    viewer.require_user(user_id, Permission.VIEW_USER_PERFORMANCE)
    check_count("weekly_performance", "weeks", weeks, MAX_WEEKS)
    return weekly_performance_of(daily_rows(db, user_id, until=as_of), as_of=as_of, weeks=weeks)
