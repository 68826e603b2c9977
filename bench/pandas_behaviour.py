"""Plain pandas versions of the behaviour and performance pages (see bench.pandas_reference for the rules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.behaviour import consistency_summary
from analytics.behaviour.consistency import CONSISTENCY_COLUMNS
from analytics.behaviour.heatmap import WEEKDAYS
from analytics.behaviour.period_grid import mark_periods, period_starts
from analytics.behaviour.segments import FEATURES, _fit, _matrix
from analytics.behaviour.sessions import DURATION_BINS_S, EVENT_BINS, FEATURE_BINS
from analytics.filters import Filters
from analytics.performance import ALL, METRICS, SUMS, performance_trends
from bench.pandas_frames import (
    Frames,
    PageView,
    at,
    between,
    data_days,
    day_bounds,
    first_days,
    local_start,
    session_table,
    user_days,
)

MOVERS_METRIC, MOVERS_TOP_N, MOVERS_MIN_ACTIVITY = "accuracy", 10, 5
SEGMENT_KS = range(2, 9)
SEGMENT_SEED = 42
EPOCH = pd.Timestamp("1970-01-01")


def behaviour(frames: Frames, view: PageView) -> dict[str, Any]:
    """Weekday × hour heatmap, consistency, session figures and KMeans segments of the period."""
    events, filters = frames.events, view.filters
    sessions = session_table(events, *day_bounds(frames, filters.start, filters.end))
    sessions["local_start"] = local_start(frames, sessions)
    period = events[between(events["day"], filters.start, filters.end)]
    per_user = _consistency(frames, period, filters)
    return {
        "data_days": data_days(frames),
        "activity_types": sorted(events["activity_type"].unique()),
        "activity_heatmap": _heatmap(sessions),
        "consistency": per_user,
        "consistency_summary": consistency_summary(per_user),
        "session_stats": _session_stats(sessions, filters, view),
        "behaviour_segments": _segments(frames, period, sessions, filters, view),
    }


def _heatmap(sessions: pd.DataFrame) -> pd.DataFrame:
    started = sessions["local_start"]
    cells = sessions.groupby([started.dt.weekday.rename("weekday"), started.dt.hour.rename("hour")]).agg(
        sessions=("uid", "size"), events=("event_count", "sum"), users=("uid", "nunique")
    )
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    full = cells.reindex(grid, fill_value=0).reset_index().astype("int64")
    full.insert(1, "weekday_name", [WEEKDAYS[day] for day in full["weekday"]])
    return full


def _epoch_days(days: pd.Series | pd.Timestamp) -> pd.Series | int:
    """Days since 1970-01-01 (a Thursday): a Monday-week starts at epoch - weekday."""
    return (days - EPOCH).dt.days if isinstance(days, pd.Series) else (days - EPOCH).days


def _consistency(frames: Frames, period: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    days = period[["uid", "day"]].drop_duplicates()
    epoch = _epoch_days(days["day"])
    same_user = days["uid"] == days["uid"].shift()
    week = epoch - days["day"].dt.weekday
    days = days.assign(
        epoch=epoch,
        island=epoch - days.groupby("uid").cumcount(),  # consecutive days share epoch - rank
        gap=(epoch - epoch.shift()).where(same_user),
        new_week=(~same_user | (week != week.shift())).astype("int64"),
    )
    days["gap_square"] = days["gap"] ** 2
    islands = days.groupby(["uid", "island"]).agg(
        length=("epoch", "size"),
        last=("epoch", "max"),
        weeks=("new_week", "sum"),
        gap_count=("gap", "count"),
        gap_sum=("gap", "sum"),
        gap_square_sum=("gap_square", "sum"),
    )
    end_epoch = _epoch_days(at(filters.end))
    islands["ongoing"] = islands["length"].where(islands["last"] >= end_epoch - 1)
    users = islands.groupby("uid").agg(
        active_days=("length", "sum"),
        active_weeks=("weeks", "sum"),
        longest_streak_days=("length", "max"),
        current_streak_days=("ongoing", "max"),
        gap_count=("gap_count", "sum"),
        gap_sum=("gap_sum", "sum"),
        gap_square_sum=("gap_square_sum", "sum"),
    )
    first_seen = first_days(user_days(frames.events)).set_index("uid")["day"].reindex(users.index)
    own_start = np.maximum(first_seen, at(filters.start))
    own_week = _epoch_days(own_start) - own_start.dt.weekday
    weeks = ((end_epoch - filters.end.weekday() - own_week) // 7 + 1).astype("int64")
    gap_mean = users["gap_sum"] / users["gap_count"]
    gap_std = np.sqrt((users["gap_square_sum"] / users["gap_count"] - gap_mean * gap_mean).clip(lower=0))
    regularity = np.maximum(np.minimum(1 - gap_std / gap_mean, 1.0), 0.0)
    frame = pd.DataFrame(
        {
            "user_id": frames.user_ids[users.index],
            "active_days": users["active_days"].astype("int64"),
            "active_weeks": users["active_weeks"].astype("int64"),
            "weeks_in_period": weeks,
            "share_weeks_active": users["active_weeks"] / weeks,
            "longest_streak_days": users["longest_streak_days"].astype("int64"),
            "current_streak_days": users["current_streak_days"].fillna(0).astype("int64"),
            "regularity": regularity.where(users["gap_count"] >= 2),
        }
    )
    return frame[CONSISTENCY_COLUMNS].sort_values("user_id", ignore_index=True)


def _histogram(values: pd.Series, bins: tuple[tuple[int, str], ...], name: str) -> pd.DataFrame:
    lows = [low for low, _ in bins]
    which = np.searchsorted(lows, values.to_numpy(), side="right") - 1
    counts = np.bincount(which[which >= 0], minlength=len(bins))
    return pd.DataFrame({name: [label for _, label in bins], "lower": lows, "sessions": counts})


def _session_stats(sessions: pd.DataFrame, filters: Filters, view: PageView) -> dict[str, Any]:
    bounce = (sessions["event_count"] <= 1).astype("int64")
    quality = (sessions["exercise_count"] + sessions["lesson_count"] >= 1).astype("int64")
    timed = sessions.assign(bounce=bounce, quality=quality, period=sessions["local_start"].dt.floor("D"))
    trend = timed.groupby("period").agg(
        sessions=("uid", "size"),
        users=("uid", "nunique"),
        mean_duration_s=("duration_s", "mean"),
        median_duration_s=("duration_s", "median"),
        mean_events=("event_count", "mean"),
        bounce_rate=("bounce", "mean"),
        quality_rate=("quality", "mean"),
    )
    trend.index = trend.index.date
    every = pd.DataFrame({"period": period_starts(filters)})
    trend = every.merge(trend, left_on="period", right_index=True, how="left").fillna(
        {"sessions": 0, "users": 0}
    )
    trend = mark_periods(trend.astype({"sessions": "int64", "users": "int64"}), filters, today=view.today)
    return {
        "sessions": len(sessions),
        "users": sessions["uid"].nunique(),
        "median_duration_s": float(sessions["duration_s"].median()),
        "mean_duration_s": float(sessions["duration_s"].mean()),
        "mean_events": float(sessions["event_count"].mean()),
        "mean_features": float(sessions["feature_count"].mean()),
        "bounce_rate": float(bounce.mean()),
        "quality_rate": float(quality.mean()),
        "duration_histogram": _histogram(sessions["duration_s"], DURATION_BINS_S, "duration"),
        "events_histogram": _histogram(sessions["event_count"], EVENT_BINS, "events"),
        "features_histogram": _histogram(sessions["feature_count"], FEATURE_BINS, "features"),
        "trend": trend,
    }


def _segments(
    frames: Frames, period: pd.DataFrame, sessions: pd.DataFrame, filters: Filters, view: PageView
) -> dict[str, Any]:
    period = period.assign(is_exercise=period["activity_type"] == "exercise")
    per_day = period.groupby(["uid", "day"]).agg(
        sessions=("sid", "nunique"),
        events=("uid", "size"),
        exercises=("is_exercise", "sum"),
        accuracy_sum=("accuracy", "sum"),
        accuracy_count=("accuracy", "count"),
    )
    per_user = per_day.groupby("uid").agg(
        active_days=("events", "size"),
        sessions=("sessions", "sum"),
        events=("events", "sum"),
        exercises=("exercises", "sum"),
        accuracy_sum=("accuracy_sum", "sum"),
        accuracy_count=("accuracy_count", "sum"),
    )
    durations = sessions.groupby("uid")["duration_s"].mean().reindex(per_user.index, fill_value=0.0)
    breadth = period.groupby("uid")["feature"].nunique().reindex(per_user.index, fill_value=0)
    features = pd.DataFrame(
        {
            "user_id": frames.user_ids[per_user.index],
            "active_days": per_user["active_days"],
            "sessions_per_active_day": per_user["sessions"] / per_user["active_days"],
            "mean_session_duration_s": durations,
            "exercise_share": (
                per_user["exercises"] / per_user["events"].where(per_user["events"] > 0)
            ).fillna(0.0),
            "feature_breadth": breadth,
            "accuracy": per_user["accuracy_sum"]
            / per_user["accuracy_count"].where(per_user["accuracy_count"] > 0),
        }
    ).sort_values("user_id", ignore_index=True)
    scaled = _matrix(features)
    silhouettes, raw_labels, _, _ = _fit(scaled, [k for k in SEGMENT_KS if k < len(features)], SEGMENT_SEED)
    best_k = int(silhouettes.loc[silhouettes["chosen"], "k"].iloc[0])
    z = pd.DataFrame(scaled, columns=list(FEATURES)).groupby(raw_labels).mean()
    renumber = np.zeros(best_k, dtype="int64")
    renumber[z.sort_values("active_days", ascending=False).index.to_numpy()] = np.arange(1, len(z) + 1)
    assignments = pd.DataFrame({"user_id": features["user_id"], "segment": renumber[raw_labels]})
    # features are in user_id order, which is uid order: labels line up with per_user's index
    segment_of = pd.Series(renumber[raw_labels], index=per_user.index)
    members = period[["uid", "day"]].assign(segment=period["uid"].map(segment_of))
    counted = members.groupby(["day", "segment"])["uid"].nunique().rename("active_users")
    counted.index = counted.index.set_levels(counted.index.levels[0].date, level=0)
    grid = pd.MultiIndex.from_product(
        [period_starts(filters), range(1, best_k + 1)], names=["period", "segment"]
    )
    trend = (
        counted.reindex(grid, fill_value=0)
        .reset_index()
        .astype({"segment": "int64", "active_users": "int64"})
    )
    return {
        "k": best_k,
        "silhouettes": silhouettes,
        "assignments": assignments,
        "trend": mark_periods(trend, filters, today=view.today),
    }


def performance(frames: Frames, view: PageView) -> dict[str, Any]:
    """Accuracy, speed, completion, efficiency and skill per day with quartiles of users, and the movers."""
    filters = view.filters
    period = frames.events[between(frames.events["day"], filters.start, filters.end)]
    is_exercise = period["activity_type"] == "exercise"
    sums = pd.DataFrame(
        {
            "uid": period["uid"],
            "day": period["day"],
            "accuracy_sum": period["accuracy"].fillna(0.0),
            "accuracy_count": period["accuracy"].notna(),
            "exercise_seconds": period["duration_s"].where(is_exercise, 0.0).fillna(0.0),
            "exercise_count": is_exercise,
            "completed_count": period["completed"].fillna(False).astype(bool),
            "completable_count": period["completed"].notna(),
            "level": period["level"].astype("float64"),
        }
    )
    per_user = sums.groupby(["day", "uid"]).agg(
        **{name: (name, "sum") for name in SUMS}, level=("level", "max")
    )
    over_time = _over_time(per_user, filters, view)
    return {
        "data_days": data_days(frames),
        "performance_over_time": over_time,
        "performance_trends": performance_trends(over_time),
        "performance_movers": _movers(frames, per_user, filters),
    }


def _ratio(table: pd.DataFrame, metric: str) -> tuple[pd.Series, pd.Series]:
    return {
        "accuracy": (table["accuracy_sum"], table["accuracy_count"]),
        "speed_s": (table["exercise_seconds"], table["exercise_count"]),
        "completion_rate": (table["completed_count"], table["completable_count"]),
        "efficiency": (table["accuracy_sum"], table["exercise_seconds"] / 60),
    }[metric]


def _over_time(per_user: pd.DataFrame, filters: Filters, view: PageView) -> pd.DataFrame:
    days = per_user.index.get_level_values("day")
    parts = []
    for metric in METRICS:
        if metric == "skill_level":
            value = per_user["level"]
            has_value = value.notna()
            pooled = value.groupby(days).mean()
        else:
            numerator, denominator = _ratio(per_user, metric)
            has_value = denominator > 0
            value = numerator / denominator
            pooled = numerator.groupby(days).sum() / denominator.groupby(days).sum().replace(0, np.nan)
        quartiles = value[has_value].groupby(days[has_value]).quantile([0.25, 0.5, 0.75]).unstack()
        frame = pd.DataFrame({"value": pooled, "users": has_value.groupby(days).sum()})
        frame = frame.join(quartiles.set_axis(["p25", "median", "p75"], axis=1))
        frame.index = frame.index.date
        frame = frame.reindex(period_starts(filters))
        parts.append(
            pd.DataFrame(
                {
                    "period": frame.index,
                    "segment": ALL,
                    "metric": metric,
                    "value": frame["value"].to_numpy(dtype="float64"),
                    "p25": frame["p25"].to_numpy(dtype="float64"),
                    "median": frame["median"].to_numpy(dtype="float64"),
                    "p75": frame["p75"].to_numpy(dtype="float64"),
                    "users": frame["users"].fillna(0).to_numpy(dtype="int64"),
                }
            )
        )
    return mark_periods(pd.concat(parts, ignore_index=True), filters, today=view.today)


def _movers(frames: Frames, per_user: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    second_starts = at(filters.start + timedelta(days=filters.days // 2))
    half = np.where(per_user.index.get_level_values("day") < second_starts, 1, 2)
    halves = per_user.groupby([per_user.index.get_level_values("uid"), half]).sum()
    numerator, denominator = _ratio(halves, MOVERS_METRIC)
    halves = pd.DataFrame({"value": numerator / denominator.where(denominator != 0), "activity": denominator})
    halves = halves[halves["activity"] >= MOVERS_MIN_ACTIVITY]
    first = halves.xs(1, level=1)
    second = halves.xs(2, level=1)
    paired = first.join(second, how="inner", lsuffix="_first", rsuffix="_second")
    paired = pd.DataFrame(
        {
            "user_id": frames.user_ids[paired.index],
            "first_half": paired["value_first"],
            "second_half": paired["value_second"],
            "change": paired["value_second"] - paired["value_first"],
            "first_activity": paired["activity_first"].astype("float64"),
            "second_activity": paired["activity_second"].astype("float64"),
        }
    )
    sign = 1 if METRICS[MOVERS_METRIC].higher_is_better else -1
    paired["gain"] = paired["change"] * sign
    improved = paired[paired["gain"] > 0].sort_values(["gain", "user_id"], ascending=[False, True])
    declined = paired[paired["gain"] < 0].sort_values(["gain", "user_id"], ascending=[True, True])
    found = []
    for direction, part in (("improved", improved), ("declined", declined)):
        part = part.head(MOVERS_TOP_N).drop(columns="gain")
        part.insert(0, "rank", range(1, len(part) + 1))
        part.insert(0, "direction", direction)
        found.append(part)
    return pd.concat(found, ignore_index=True)
