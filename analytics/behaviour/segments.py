"""Behavioural segments: users grouped by KMeans on how they use the product, each described in words.

Per-user features over the period (FEATURES) are log-scaled where skewed, standardised, and clustered
for every k in `k_range` on a seeded sample; the k with the best silhouette score wins and every user
is then assigned to its nearest centre. Segment 1 is the one with the most active days per user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from analytics.behaviour.local_time import period_sessions
from analytics.behaviour.period_grid import mark_periods, period_starts
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters, literal_day, period_start, segment_filter
from analytics.periods import today_in_zone
from analytics.schema import USER_DAILY, USER_DAILY_ACTIVITY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

FEATURES = {
    "active_days": ("many active days", "few active days"),
    "sessions_per_active_day": ("many sessions a day", "few sessions a day"),
    "mean_session_duration_s": ("long sessions", "short sessions"),
    "exercise_share": ("exercise-heavy", "little exercise"),
    "feature_breadth": ("many features", "few features"),
    "accuracy": ("high accuracy", "low accuracy"),
}
"""Clustering features and the words for a segment far above / below the average on each."""
LOG_SCALED = ("active_days", "sessions_per_active_day", "mean_session_duration_s", "feature_breadth")
FIT_SAMPLE_USERS = 20_000
SILHOUETTE_SAMPLE_USERS = 2_000
"""Silhouette cost grows with the square of this: 3,000 users took 0.55 s of the page at 10M events,
2,000 take 0.18 s and chose the same k on the generated data (bench: `python -m bench pages`)."""
DISTINCTIVE_Z = 0.5
"""A segment is described by features whose mean lies at least this many standard deviations out."""


@dataclass(frozen=True)
class SegmentsResult:
    """The chosen segmentation, how it was chosen, and what each segment looks like."""

    k: int
    silhouettes: pd.DataFrame
    segments: pd.DataFrame
    profile: pd.DataFrame
    trend: pd.DataFrame
    assignments: pd.DataFrame
    fit_users: int
    silhouette_users: int


def _period_days(filters: Filters, *columns: str) -> ir.Table:
    """`columns` of analysable user_daily rows on the period's days, of users in the filters."""
    daily = segment_filter(analysable(USER_DAILY.select("user_id", "day", *columns)), filters)
    daily = daily.filter(daily.day.between(literal_day(filters.start), literal_day(filters.end)))
    if filters.activity_types:
        did = USER_DAILY_ACTIVITY.filter(
            USER_DAILY_ACTIVITY.activity_type.isin(list(filters.activity_types))
            & USER_DAILY_ACTIVITY.day.between(literal_day(filters.start), literal_day(filters.end))
        )
        daily = daily.semi_join(did.select("user_id"), "user_id")
    return daily


def _feature_query(filters: Filters, zone: str) -> ir.Table:
    # Two differently shaped scans rather than one shared one: DuckDB materialises a shared subquery.
    daily = _period_days(
        filters, "session_count", "event_count", "exercise_count", "accuracy_sum", "accuracy_count"
    )
    per_user = daily.group_by("user_id").aggregate(
        active_days=daily.count(),
        sessions=daily.session_count.sum(),
        events=daily.event_count.sum(),
        exercises=daily.exercise_count.sum(),
        accuracy_sum=daily.accuracy_sum.sum(),
        accuracy_count=daily.accuracy_count.sum(),
    )
    listed = _period_days(filters, "features")
    used = listed.select("user_id", feature=listed.features.unnest()).distinct()
    breadth = used.group_by("user_id").aggregate(feature_breadth=used.count())
    sessions = period_sessions(filters, zone)
    durations = sessions.group_by("user_id").aggregate(mean_session_duration_s=sessions.duration_s.mean())
    joined = per_user.left_join(breadth, "user_id").left_join(durations, "user_id")
    return joined.select(
        per_user.user_id,
        active_days=per_user.active_days,
        sessions_per_active_day=per_user.sessions / per_user.active_days,
        mean_session_duration_s=durations.mean_session_duration_s.fill_null(0.0),
        exercise_share=(per_user.exercises / per_user.events.nullif(0)).fill_null(0.0),
        feature_breadth=breadth.feature_breadth.fill_null(0),
        accuracy=per_user.accuracy_sum / per_user.accuracy_count.nullif(0),
    )


def _matrix(features: pd.DataFrame) -> np.ndarray:
    """Log-scale the skewed columns and fill unknown accuracy with the median of those who have one."""
    columns = []
    for name in FEATURES:
        values = features[name].astype(float)
        if name == "accuracy":
            values = values.fillna(values.median() if values.notna().any() else 0.0)
        columns.append(np.log1p(values.to_numpy()) if name in LOG_SCALED else values.to_numpy())
    return StandardScaler().fit_transform(np.column_stack(columns))


def _checked_k(k_range: Iterable[int], users: int) -> list[int]:
    ks = list(k_range)
    if not ks or any(not isinstance(k, int) or k < 2 for k in ks):
        raise AnalyticsError(
            f"The 'k_range' parameter of behaviour_segments must hold integers >= 2. Got {ks!r}."
        )
    usable = [k for k in ks if k < users]
    if not usable:
        raise AnalyticsError(
            f"Behavioural segments need more active users than the smallest k ({min(ks)}); "
            f"the filters leave {users}. Widen the period or the segment."
        )
    return usable


def _describe(z_row: pd.Series) -> str:
    strongest = z_row[z_row.abs() >= DISTINCTIVE_Z].abs().sort_values(ascending=False).index[:3]
    if strongest.empty:
        return "close to the average on every feature"
    return ", ".join(FEATURES[name][0 if z_row[name] > 0 else 1] for name in strongest)


def behaviour_segments(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    k_range: Iterable[int] = range(2, 9),
    seed: int = 42,
    today: date | None = None,
) -> SegmentsResult:
    """Cluster the users active in the period (who did one of the activity types, if chosen); seeded.

    silhouettes: k, silhouette, chosen. segments: segment (1 = most active days), description, users,
    share, and the mean of every raw feature. profile: segment, feature, z (segment mean against all
    users, in standard deviations of the scaled feature). trend: period, segment, active_users (users of
    the segment active in the period), complete. assignments: user_id, segment.
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    zone = load_settings().reporting_timezone
    features = db.run(_feature_query(filters, zone)).sort_values("user_id", ignore_index=True)
    ks = _checked_k(k_range, len(features))
    scaled = _matrix(features)

    silhouettes, raw_labels, fit_users, silhouette_users = _fit(scaled, ks, seed)
    best_k = int(silhouettes.loc[silhouettes["chosen"], "k"].iloc[0])
    z = pd.DataFrame(scaled, columns=list(FEATURES)).groupby(raw_labels).mean()
    # Number segments by active days, most active first, so that labels do not depend on KMeans' order.
    renumber = np.zeros(best_k, dtype="int64")
    renumber[z.sort_values("active_days", ascending=False).index.to_numpy()] = np.arange(1, len(z) + 1)
    labels = renumber[raw_labels]
    z.index = renumber[z.index.to_numpy()]
    z = z.sort_index()

    raw_means = features.groupby(labels)[list(FEATURES)].mean()
    sizes = pd.Series(labels).value_counts().sort_index()
    segments = pd.DataFrame(
        {
            "segment": z.index,
            "description": [_describe(z.loc[s]) for s in z.index],
            "users": sizes.reindex(z.index).to_numpy(dtype="int64"),
            "share": (sizes.reindex(z.index) / len(labels)).to_numpy(),
        }
    ).join(raw_means.reset_index(drop=True))
    profile = (
        z.rename_axis("segment").reset_index().melt(id_vars="segment", var_name="feature", value_name="z")
    )
    assignments = pd.DataFrame({"user_id": features["user_id"], "segment": labels})
    trend = _segment_trend(db, filters, assignments, today=today or today_in_zone(zone), segments=z.index)
    return SegmentsResult(
        k=best_k,
        silhouettes=silhouettes,
        segments=segments,
        profile=profile,
        trend=trend,
        assignments=assignments,
        fit_users=fit_users,
        silhouette_users=silhouette_users,
    )


def _fit(scaled: np.ndarray, ks: list[int], seed: int) -> tuple[pd.DataFrame, np.ndarray, int, int]:
    """Fit KMeans for every k on a seeded sample, keep the best silhouette, label every user.

    Returns (silhouettes with k, silhouette, chosen; labels; users fitted on; users scored on).
    """
    fit_rows = np.random.default_rng(seed).permutation(len(scaled))[:FIT_SAMPLE_USERS]
    scored_rows = fit_rows[:SILHOUETTE_SAMPLE_USERS]
    models, scores = {}, []
    # One thread: on a shared machine OpenMP's spinning workers made the fits 20-50x slower.
    with threadpool_limits(limits=1):
        for k in ks:
            model = KMeans(n_clusters=k, n_init=2, random_state=seed).fit(scaled[fit_rows])
            labels = model.predict(scaled[scored_rows])
            distinct = len(np.unique(labels))
            score = silhouette_score(scaled[scored_rows], labels) if 1 < distinct < len(labels) else np.nan
            models[k] = model
            scores.append({"k": k, "silhouette": float(score)})
        silhouettes = pd.DataFrame(scores)
        if silhouettes["silhouette"].isna().all():
            raise AnalyticsError(
                "Behavioural segments need users who differ: every active user looks the same."
            )
        best_k = int(silhouettes.loc[silhouettes["silhouette"].idxmax(), "k"])
        silhouettes["chosen"] = silhouettes["k"] == best_k
        return silhouettes, models[best_k].predict(scaled), len(fit_rows), len(scored_rows)


def _segment_trend(
    db: Database, filters: Filters, assignments: pd.DataFrame, *, today: date, segments: Iterable[int]
) -> pd.DataFrame:
    """Active users of each segment per period (users keep the segment of the whole period)."""
    members = ibis.memtable(assignments)
    daily = analysable(USER_DAILY)
    daily = daily.filter(daily.day.between(literal_day(filters.start), literal_day(filters.end)))
    joined = daily.join(members, "user_id").mutate(period=period_start(daily.day, filters.grain))
    counted = db.run(joined.group_by(["period", "segment"]).aggregate(active_users=joined.user_id.nunique()))
    counted["period"] = pd.to_datetime(counted["period"]).dt.date
    grid = pd.MultiIndex.from_product([period_starts(filters), list(segments)], names=["period", "segment"])
    full = counted.set_index(["period", "segment"]).reindex(grid, fill_value=0).reset_index()
    full = full.astype({"segment": "int64", "active_users": "int64"})
    return mark_periods(full, filters, today=today)
