"""How steadily people come back: active weeks, streaks of consecutive days, and regular gaps.

Active days are reporting-zone days with at least one event (of the chosen activity types, if any).
A user's period starts at the later of the filter's start and their first active day ever, so that
newcomers are measured against the weeks they could have been active.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.filters import Filters, literal_day, segment_filter
from analytics.schema import USER_DAILY, USER_DAILY_ACTIVITY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission

CONSISTENCY_COLUMNS = [
    "user_id",
    "active_days",
    "active_weeks",
    "weeks_in_period",
    "share_weeks_active",
    "longest_streak_days",
    "current_streak_days",
    "regularity",
]
STREAK_BUCKETS = ((1, "1"), (2, "2"), (3, "3–6"), (7, "7–13"), (14, "14–29"), (30, "30+"))
"""Longest-streak histogram: (lowest length in days, label)."""


@dataclass(frozen=True)
class ConsistencySummary:
    """The distribution of per-user consistency over everyone active in the period."""

    users: int
    median_share_weeks_active: float | None
    median_longest_streak_days: float | None
    median_regularity: float | None
    users_on_streak: int
    share_histogram: pd.DataFrame
    streak_histogram: pd.DataFrame


def _active_days(filters: Filters) -> ir.Table:
    """The (user_id, day) pairs with activity on the period's days, each once."""
    if filters.activity_types:
        table = analysable(USER_DAILY_ACTIVITY)
        table = table.filter(table.activity_type.isin(list(filters.activity_types)))
    else:
        table = analysable(USER_DAILY)
    table = segment_filter(table, filters)
    in_period = table.filter(table.day.between(literal_day(filters.start), literal_day(filters.end)))
    days = in_period.select("user_id", "day")
    # user_daily holds one row per user and day already; a DISTINCT there would cost a third of the query.
    return days.distinct() if filters.activity_types else days


def _per_user(filters: Filters) -> ir.Table:
    days = _active_days(filters)
    ordered = ibis.window(group_by=days.user_id, order_by=days.day)
    epoch = days.day.epoch_days()
    week = days.day.truncate("W").epoch_days()
    # Consecutive days share one value of (day - rank): the gaps-and-islands trick.
    days = days.mutate(
        island=epoch - ibis.row_number().over(ordered),
        gap_days=epoch - epoch.lag().over(ordered),
        new_week=(week != week.lag().over(ordered)).fill_null(True).cast("int64"),
    )
    # One chain with no shared subquery: per island first, then per user (DuckDB would materialise a
    # day-level table that two branches read).
    islands = days.group_by(["user_id", "island"]).aggregate(
        length=days.count(),
        last_day=days.day.max(),
        weeks=days.new_week.sum(),
        gap_count=days.gap_days.count(),
        gap_sum=days.gap_days.sum(),
        gap_square_sum=(days.gap_days * days.gap_days).sum(),
    )
    ongoing_since = literal_day(filters.end).epoch_days() - 1
    users = islands.group_by("user_id").aggregate(
        active_days=islands.length.sum(),
        active_weeks=islands.weeks.sum(),
        longest_streak_days=islands.length.max(),
        current_streak_days=islands.length.max(where=islands.last_day.epoch_days() >= ongoing_since),
        gap_count=islands.gap_count.sum(),
        gap_mean=islands.gap_sum.sum() / islands.gap_count.sum(),
        gap_square_mean=islands.gap_square_sum.sum() / islands.gap_count.sum(),
    )
    # Withdrawn users are already gone from `users`; the inner join drops them here too.
    first_seen = USER_DAILY.group_by("user_id").aggregate(first_day=USER_DAILY.day.min())
    joined = users.join(first_seen, "user_id")
    own_start = ibis.greatest(joined.first_day, literal_day(filters.start)).truncate("W").epoch_days()
    last_week = literal_day(filters.end).truncate("W").epoch_days()
    weeks = ((last_week - own_start) // 7 + 1).cast("int64")
    gap_std = (joined.gap_square_mean - joined.gap_mean * joined.gap_mean).clip(lower=0).sqrt()
    regularity = ibis.greatest(ibis.least(1 - gap_std / joined.gap_mean, 1.0), 0.0)
    return joined.select(
        "user_id",
        active_days=joined.active_days.cast("int64"),
        active_weeks=joined.active_weeks.cast("int64"),
        weeks_in_period=weeks,
        share_weeks_active=joined.active_weeks / weeks,
        longest_streak_days=joined.longest_streak_days.cast("int64"),
        current_streak_days=joined.current_streak_days.fill_null(0).cast("int64"),
        regularity=ibis.cases((joined.gap_count >= 2, regularity), else_=ibis.null("float64")),
    )


def consistency(db: Database, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """One row per user active in the period, sorted by user_id.

    Columns: user_id, active_days, active_weeks (Monday weeks with activity), weeks_in_period (weeks
    from the later of the period start and the user's first active day, to the period end; partial weeks
    count), share_weeks_active, longest_streak_days, current_streak_days (the run of consecutive active
    days ending on the period's last day or the day before; 0 if none), regularity (1 − coefficient of
    variation of the gaps in days between consecutive active days, clipped to 0..1; null with fewer
    than three active days).
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    frame = db.run(_per_user(filters))
    return frame[CONSISTENCY_COLUMNS].sort_values("user_id", ignore_index=True)


def consistency_summary(per_user: pd.DataFrame) -> ConsistencySummary:
    """Summarise `consistency()` rows: medians, users on a streak, and two histograms.

    share_histogram columns: lower, upper (share of weeks active, tenths; the last bin includes 1.0),
    users. streak_histogram columns: longest_streak (label of STREAK_BUCKETS), min_days, users.
    """
    shares = per_user["share_weeks_active"].to_numpy(dtype=float)
    bins = np.minimum((shares * 10 + 1e-9).astype(int), 9)
    share_histogram = pd.DataFrame(
        {
            "lower": np.round(np.arange(10) / 10, 1),
            "upper": np.round(np.arange(1, 11) / 10, 1),
            "users": np.bincount(bins, minlength=10).astype("int64"),
        }
    )
    lows = [low for low, _ in STREAK_BUCKETS]
    which = np.searchsorted(lows, per_user["longest_streak_days"].to_numpy(), side="right") - 1
    streak_histogram = pd.DataFrame(
        {
            "longest_streak": [label for _, label in STREAK_BUCKETS],
            "min_days": lows,
            "users": np.bincount(which, minlength=len(lows)).astype("int64"),
        }
    )

    def median(column: str) -> float | None:
        value = per_user[column].median()
        return None if pd.isna(value) else float(value)

    return ConsistencySummary(
        users=len(per_user),
        median_share_weeks_active=median("share_weeks_active"),
        median_longest_streak_days=median("longest_streak_days"),
        median_regularity=median("regularity"),
        users_on_streak=int((per_user["current_streak_days"] > 0).sum()),
        share_histogram=share_histogram,
        streak_histogram=streak_histogram,
    )
