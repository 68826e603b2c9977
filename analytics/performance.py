"""How well people do: accuracy, speed, completion, efficiency and skill level per period, with benchmarks.

Every figure is a ratio of sums over the rollup (`user_daily`): the accuracy of a week is all accuracy
points of the week over all answers with an accuracy, not the mean of daily or per-user ratios, so a
user with one answer weighs one answer. Benchmarks are quartiles of the per-user values of the same
period. Activity-type filters do not apply: these figures come from event properties, whatever the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from analytics.behaviour.period_grid import mark_periods, period_starts
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import USER_COLUMNS, Filters, literal_day, period_start, segment_filter
from analytics.periods import today_in_zone
from analytics.schema import USER_DAILY, USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

ALL = "all"
OTHER = "(other)"
NONE = "(none)"
BREAKDOWN_KEYS = (*USER_COLUMNS, "signup_cohort")


@dataclass(frozen=True)
class Metric:
    """A performance metric: how it reads and which direction is good."""

    label: str
    higher_is_better: bool
    definition: str


METRICS = {
    "accuracy": Metric("Accuracy", True, "Σ accuracy ÷ answers with an accuracy (0..1)"),
    "speed_s": Metric("Seconds per exercise", False, "Σ exercise seconds ÷ exercises"),
    "completion_rate": Metric("Completion rate", True, "completed ÷ events with a completed flag"),
    "efficiency": Metric("Efficiency", True, "Σ accuracy ÷ exercise minutes: correct answers per minute"),
    "skill_level": Metric("Skill level", True, "highest level reached in the period, averaged over users"),
}
"""The metrics, in display order."""
SUMS = (
    "accuracy_sum",
    "accuracy_count",
    "exercise_seconds",
    "exercise_count",
    "completed_count",
    "completable_count",
)


def _parts(table: ir.Table, metric: str) -> tuple[ir.NumericValue, ir.NumericValue]:
    """(numerator, denominator) of a ratio metric over `table`'s summed columns."""
    return {
        "accuracy": (table.accuracy_sum, table.accuracy_count),
        "speed_s": (table.exercise_seconds, table.exercise_count),
        "completion_rate": (table.completed_count, table.completable_count),
        "efficiency": (table.accuracy_sum, table.exercise_seconds / 60),
    }[metric]


def _check_metric(function: str, metric: str) -> None:
    if metric not in METRICS:
        raise AnalyticsError(
            f"The 'metric' parameter of {function} must be one of {', '.join(METRICS)}. Got {metric!r}."
        )


def _group_column(users: ir.Table, breakdown: str) -> ir.StringValue:
    if breakdown == "signup_cohort":
        return users.signup_at.strftime("%Y-%m")
    return users[breakdown]


def _period_days(filters: Filters) -> ir.Table:
    daily = segment_filter(analysable(USER_DAILY), filters)
    return daily.filter(daily.day.between(literal_day(filters.start), literal_day(filters.end)))


def _with_groups(db: Database, daily: ir.Table, breakdown: str | None, max_groups: int) -> ir.Table:
    """Add `segment`: the breakdown value of each row's user (top `max_groups` by users, rest pooled)."""
    if breakdown is None:
        return daily.mutate(segment=ibis.literal(ALL))
    if breakdown not in BREAKDOWN_KEYS:
        raise AnalyticsError(
            f"The 'breakdown' parameter of performance_over_time must be one of {', '.join(BREAKDOWN_KEYS)}. "
            f"Got {breakdown!r}."
        )
    users = USERS.select("user_id", value=_group_column(USERS, breakdown))
    valued = daily.left_join(users, "user_id").select(*daily.columns, value=users.value.fill_null(NONE))
    active = valued.select("user_id", "value").distinct()
    sizes = db.run(active.group_by("value").aggregate(users=active.count()))
    top = sizes.sort_values(["users", "value"], ascending=[False, True])["value"].head(max_groups).tolist()
    return valued.mutate(segment=ibis.cases((valued.value.isin(top), valued.value), else_=OTHER)).drop(
        "value"
    )


def performance_over_time(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    breakdown: str | None = None,
    max_groups: int = 6,
    today: date | None = None,
) -> pd.DataFrame:
    """One row per segment, metric (METRICS order) and period (in order), empty periods included.

    Columns: period, segment ("all", or the value of `breakdown` — one of BREAKDOWN_KEYS — with values
    beyond the `max_groups` largest pooled as "(other)"), metric, value (ratio of sums; skill_level: mean
    of per-user highest levels), p25, median, p75 (of per-user values in the period and segment), users
    (users with a value), complete (False when the period is cut by the filter or still in progress).
    """
    viewer.require_aggregate(Permission.VIEW_USER_PERFORMANCE)
    zone = load_settings().reporting_timezone
    daily = _with_groups(db, _period_days(filters), breakdown, max_groups)
    daily = daily.mutate(period=period_start(daily.day, filters.grain))
    per_user = daily.group_by(["period", "segment", "user_id"]).aggregate(
        level=daily.max_level.max(), **{name: daily[name].sum() for name in SUMS}
    )
    columns: dict[str, ir.Scalar] = {}
    for metric in METRICS:
        if metric == "skill_level":
            value, has_value, pooled = per_user.level, per_user.level.notnull(), per_user.level.mean()
        else:
            numerator, denominator = _parts(per_user, metric)
            value, has_value = numerator / denominator, denominator > 0
            pooled = numerator.sum() / denominator.sum().nullif(0)
        columns[f"{metric}__value"] = pooled
        # One aggregate for the three quartiles: DuckDB then collects and sorts the values once.
        columns[f"{metric}__quartiles"] = value.quantile([0.25, 0.5, 0.75], where=has_value)
        columns[f"{metric}__users"] = has_value.sum()
    wide = db.run(per_user.group_by(["period", "segment"]).aggregate(**columns))
    wide["period"] = pd.to_datetime(wide["period"]).dt.date
    segments = sorted(wide["segment"].unique()) if len(wide) else [ALL]
    grid = pd.MultiIndex.from_product([segments, period_starts(filters)], names=["segment", "period"])
    wide = wide.set_index(["segment", "period"]).reindex(grid).reset_index()
    parts = []
    for metric in METRICS:
        part = wide[["period", "segment"]].assign(
            metric=metric, value=wide[f"{metric}__value"].astype("float64")
        )
        quartiles = [
            q if isinstance(q, list | np.ndarray) else [np.nan] * 3 for q in wide[f"{metric}__quartiles"]
        ]
        part[["p25", "median", "p75"]] = np.array(quartiles, dtype="float64").reshape(-1, 3)
        part["users"] = wide[f"{metric}__users"]
        parts.append(part)
    frame = pd.concat(parts).sort_values(["segment"], kind="stable", ignore_index=True)
    frame["users"] = frame["users"].fillna(0).astype("int64")
    return mark_periods(frame, filters, today=today or today_in_zone(zone))


def performance_trends(
    over_time: pd.DataFrame, *, min_periods: int = 3, alpha: float = 0.05, min_change: float = 0.02
) -> pd.DataFrame:
    """Trend words for each segment and metric of `performance_over_time()`, from complete periods only.

    A least-squares line through the values by period position: "rising"/"falling" when its slope
    differs from zero at significance `alpha` and the fitted change over the span is at least
    `min_change` of the mean value; "flat" otherwise; "unknown" with fewer than `min_periods` values.
    Columns: segment, metric, direction, assessment ("improving"/"worsening"/"steady"/"unknown"),
    slope_per_period, change_pct (fitted change over the span, % of the mean), p_value, periods.
    """
    rows = []
    for (segment, metric), group in over_time.groupby(["segment", "metric"], sort=False):
        ordered = group.sort_values("period").reset_index(drop=True)
        # x is the period's position among all periods, so an empty period stays a gap in the line.
        used = ordered[ordered["complete"] & ordered["value"].notna()]
        periods = len(used)
        row = {
            "segment": segment,
            "metric": metric,
            "direction": "unknown",
            "assessment": "unknown",
            "slope_per_period": np.nan,
            "change_pct": np.nan,
            "p_value": np.nan,
            "periods": periods,
        }
        if periods >= min_periods:
            x = used.index.to_numpy(dtype=float)
            y = used["value"].to_numpy(dtype=float)
            if np.ptp(y) == 0:
                slope, p_value = 0.0, 1.0
            else:
                fit = stats.linregress(x, y)
                slope, p_value = float(fit.slope), float(fit.pvalue)
            mean = abs(float(np.mean(y)))
            change = slope * (x[-1] - x[0]) / mean if mean else np.nan
            moving = p_value < alpha and (not mean or abs(change) >= min_change)
            good = (slope > 0) == METRICS[metric].higher_is_better
            row.update(
                direction=("rising" if slope > 0 else "falling") if moving else "flat",
                assessment=("improving" if good else "worsening") if moving else "steady",
                slope_per_period=slope,
                change_pct=100 * change,
                p_value=p_value,
            )
        rows.append(row)
    return pd.DataFrame(rows)


def performance_movers(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    metric: str = "accuracy",
    top_n: int = 10,
    min_activity: int = 5,
) -> pd.DataFrame:
    """Users whose `metric` improved and declined most from the first to the second half of the period.

    The first half is the first days // 2 days. A user qualifies with at least `min_activity` units of
    the metric's denominator in each half (answers, exercises, completable events, exercise minutes for
    efficiency; days with a level for skill_level). Columns: direction ("improved" rows first, then "declined"), rank, user_id,
    first_half, second_half, change (second − first), first_activity, second_activity.
    """
    viewer.require_aggregate(Permission.VIEW_USER_PERFORMANCE)
    _check_metric("performance_movers", metric)
    for name, value in (("top_n", top_n), ("min_activity", min_activity)):
        if not isinstance(value, int) or value < 1:
            raise AnalyticsError(
                f"The {name!r} parameter of performance_movers must be an int >= 1. Got {value!r}."
            )
    if filters.days < 2:
        raise AnalyticsError(
            f"Movers compare two halves of the period, which needs at least 2 days. Got {filters.days}."
        )
    second_starts = filters.start + timedelta(days=filters.days // 2)
    daily = _period_days(filters)
    halves = daily.mutate(half=ibis.cases((daily.day < literal_day(second_starts), 1), else_=2))
    per_user = halves.group_by(["user_id", "half"]).aggregate(
        level=halves.max_level.max(),
        level_days=halves.max_level.count(),
        **{name: halves[name].sum() for name in SUMS},
    )
    if metric == "skill_level":
        per_user = per_user.mutate(
            value=per_user.level.cast("float64"), activity=per_user.level_days.cast("float64")
        )
    else:
        numerator, denominator = _parts(per_user, metric)
        per_user = per_user.mutate(
            value=numerator / denominator.nullif(0), activity=denominator.cast("float64")
        )
    first = per_user.filter((per_user.half == 1) & (per_user.activity >= min_activity))
    second = per_user.filter((per_user.half == 2) & (per_user.activity >= min_activity))
    paired = first.join(second, "user_id").select(
        "user_id",
        first_half=first.value,
        second_half=second.value,
        first_activity=first.activity,
        second_activity=second.activity,
    )
    sign = 1 if METRICS[metric].higher_is_better else -1
    paired = paired.mutate(change=paired.second_half - paired.first_half)
    gain = paired.change * sign
    improved = paired.filter(gain > 0).order_by([ibis.desc(gain), "user_id"]).limit(top_n)
    declined = paired.filter(gain < 0).order_by([gain, "user_id"]).limit(top_n)
    frames = []
    for direction, expr in (("improved", improved), ("declined", declined)):
        found = db.run(expr)
        found.insert(0, "rank", range(1, len(found) + 1))
        found.insert(0, "direction", direction)
        frames.append(found)
    movers = pd.concat(frames, ignore_index=True)
    return movers[
        [
            "direction",
            "rank",
            "user_id",
            "first_half",
            "second_half",
            "change",
            "first_activity",
            "second_activity",
        ]
    ]
