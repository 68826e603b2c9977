"""What a session looks like: how long, how many events and features, bounces, quality, and the trend.

Sessions are those started on the period's reporting-zone days (see `period_sessions`). A bounce is a
session with at most `bounce_max_events` events; a quality session holds at least one exercise or
lesson (the product's core learning actions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir
import pandas as pd

from analytics.behaviour.local_time import period_sessions
from analytics.behaviour.period_grid import mark_periods, period_starts
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.periods import today_in_zone
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

DURATION_BINS_S = (
    (0, "<10s"),
    (10, "10–30s"),
    (30, "30s–1m"),
    (60, "1–2m"),
    (120, "2–5m"),
    (300, "5–10m"),
    (600, "10–20m"),
    (1200, "20–30m"),
    (1800, "30–60m"),
    (3600, "1h+"),
)
"""Duration histogram: (lower edge in seconds, label); each bin ends where the next begins."""
EVENT_BINS = ((1, "1"), (2, "2"), (3, "3–5"), (6, "6–10"), (11, "11–20"), (21, "21+"))
FEATURE_BINS = ((0, "0"), (1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5+"))


@dataclass(frozen=True)
class SessionStats:
    """Sessions in the period: headline figures, three histograms and the per-period trend."""

    sessions: int
    users: int
    median_duration_s: float | None
    mean_duration_s: float | None
    mean_events: float | None
    mean_features: float | None
    bounce_rate: float | None
    quality_rate: float | None
    duration_histogram: pd.DataFrame
    events_histogram: pd.DataFrame
    features_histogram: pd.DataFrame
    trend: pd.DataFrame


def _bin_counts(
    column: ir.NumericValue, bins: tuple[tuple[int, str], ...], prefix: str
) -> dict[str, ir.Scalar]:
    """One conditional count per bin, so every histogram comes from the same single scan."""
    lows = [low for low, _ in bins]
    highs = [*lows[1:], None]
    return {
        f"{prefix}{i}": (column >= low if high is None else (column >= low) & (column < high)).sum()
        for i, (low, high) in enumerate(zip(lows, highs, strict=True))
    }


def _histogram(row: pd.Series, bins: tuple[tuple[int, str], ...], prefix: str, name: str) -> pd.DataFrame:
    counts = [0 if pd.isna(row[f"{prefix}{i}"]) else int(row[f"{prefix}{i}"]) for i in range(len(bins))]
    return pd.DataFrame(
        {name: [label for _, label in bins], "lower": [low for low, _ in bins], "sessions": counts}
    )


def session_stats(
    db: Database, viewer: Viewer, filters: Filters, *, bounce_max_events: int = 1, today: date | None = None
) -> SessionStats:
    """Session figures for the filters.

    duration_histogram: duration (label), lower (seconds), sessions; events_histogram: events, lower, sessions;
    features_histogram: features (distinct features used), lower, sessions. trend, one row per period:
    period, sessions, users, mean_duration_s, median_duration_s, mean_events, bounce_rate, quality_rate,
    complete. Rates are shares of sessions (0..1), None when there are none.
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    if not isinstance(bounce_max_events, int) or bounce_max_events < 1:
        raise AnalyticsError(
            f"The 'bounce_max_events' parameter of session_stats must be an int >= 1. Got {bounce_max_events!r}."
        )
    zone = load_settings().reporting_timezone
    sessions = period_sessions(filters, zone)
    bounce = (sessions.event_count <= bounce_max_events).cast("int64")
    quality = (sessions.exercise_count + sessions.lesson_count >= 1).cast("int64")
    row = db.run(
        sessions.aggregate(
            sessions=sessions.count(),
            users=sessions.user_id.nunique(),
            median_duration_s=sessions.duration_s.median(),
            mean_duration_s=sessions.duration_s.mean(),
            mean_events=sessions.event_count.mean(),
            mean_features=sessions.feature_count.mean(),
            bounce_rate=bounce.mean(),
            quality_rate=quality.mean(),
            **_bin_counts(sessions.duration_s, DURATION_BINS_S, "d"),
            **_bin_counts(sessions.event_count, EVENT_BINS, "e"),
            **_bin_counts(sessions.feature_count, FEATURE_BINS, "f"),
        )
    ).iloc[0]
    trend = db.run(
        sessions.group_by("period").aggregate(
            sessions=sessions.count(),
            users=sessions.user_id.nunique(),
            mean_duration_s=sessions.duration_s.mean(),
            median_duration_s=sessions.duration_s.median(),
            mean_events=sessions.event_count.mean(),
            bounce_rate=bounce.mean(),
            quality_rate=quality.mean(),
        )
    )
    trend["period"] = pd.to_datetime(trend["period"]).dt.date
    every = pd.DataFrame({"period": period_starts(filters)})
    trend = every.merge(trend, on="period", how="left").fillna({"sessions": 0, "users": 0})
    trend = trend.astype({"sessions": "int64", "users": "int64"})
    trend = mark_periods(trend, filters, today=today or today_in_zone(zone))

    def number(name: str) -> float | None:
        return None if pd.isna(row[name]) else float(row[name])

    return SessionStats(
        sessions=int(row["sessions"]),
        users=int(row["users"]),
        median_duration_s=number("median_duration_s"),
        mean_duration_s=number("mean_duration_s"),
        mean_events=number("mean_events"),
        mean_features=number("mean_features"),
        bounce_rate=number("bounce_rate"),
        quality_rate=number("quality_rate"),
        duration_histogram=_histogram(row, DURATION_BINS_S, "d", "duration"),
        events_histogram=_histogram(row, EVENT_BINS, "e", "events"),
        features_histogram=_histogram(row, FEATURE_BINS, "f", "features"),
        trend=trend,
    )
