"""Engagement score: one 0-100 number per user from recency, frequency, breadth and depth, and its bands.

Over the 28 days ending `as_of` (reporting-zone days), each component is scaled to 0..1 by a cap:
- recency = 1 - min(recency_days, 28) / 28 (recency_days: days since the last active day);
- frequency = min(active days, 20) / 20;
- breadth = min(distinct features used, 5) / 5;
- depth = min(mean events per session started in the window, 20) / 20;
score = round(100 × (0.25 recency + 0.40 frequency + 0.20 breadth + 0.15 depth)). Bands by score:
dormant < 5 ≤ low < 25 ≤ medium < 50 ≤ high < 75 ≤ power. Users scored: those active in the filter
range up to `as_of`; the activity-type filter does not apply (the score describes all of a user's use).
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import utc_instant
from analytics.errors import AnalyticsError
from analytics.filters import Filters, segment_filter
from analytics.schema import SESSIONS, USER_DAILY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

WINDOW_DAYS = 28
RECENCY_CAP_DAYS = 28
FREQUENCY_CAP_DAYS = 20
BREADTH_CAP_FEATURES = 5
DEPTH_CAP_EVENTS = 20
WEIGHTS = {"recency": 0.25, "frequency": 0.40, "breadth": 0.20, "depth": 0.15}
BANDS = (("dormant", 0), ("low", 5), ("medium", 25), ("high", 50), ("power", 75))
"""Each band with the lowest score in it."""
BIN_WIDTH = 5
SCORE_COLUMNS = ["user_id", "recency_days", "frequency", "breadth", "depth", "score", "band"]


def _band(score: ir.IntegerValue) -> ir.StringValue:
    cases = [(score >= lowest, name) for name, lowest in reversed(BANDS[1:])]
    return ibis.cases(*cases, else_=BANDS[0][0])


def _scores(filters: Filters, as_of: date) -> ir.Table:
    """The scoring expression over every user active in [filters.start, as_of]."""
    if as_of < filters.start:
        raise AnalyticsError(
            f"The 'as_of' option must be on or after the filters' start {filters.start}. Got {as_of}."
        )
    window_start = as_of - timedelta(days=WINDOW_DAYS - 1)
    daily = segment_filter(analysable(USER_DAILY), filters)
    # Scored users were active on or after the range's start, so older days change nothing.
    daily = daily.filter(daily.day.between(min(filters.start, window_start), as_of))
    population = daily.filter(daily.day >= filters.start).select("user_id").distinct()
    recent = daily.day >= window_start
    activity = daily.group_by("user_id").aggregate(
        last_day=daily.day.max(), frequency=recent.cast("int64").sum()
    )
    window = daily.filter(recent)
    used = window.select("user_id", feature=window.features.unnest())
    breadth = used.group_by("user_id").aggregate(breadth=used.feature.nunique())
    zone = load_settings().reporting_timezone
    sessions = segment_filter(analysable(SESSIONS), filters)
    sessions = sessions.filter(
        (sessions.started_at >= utc_instant(window_start, zone))
        & (sessions.started_at < utc_instant(as_of + timedelta(days=1), zone))
    )
    depth = sessions.group_by("user_id").aggregate(depth=sessions.event_count.mean())

    joined = population.join(activity, "user_id")
    joined = joined.left_join(breadth, joined.user_id == breadth.user_id).select(joined, breadth.breadth)
    joined = joined.left_join(depth, joined.user_id == depth.user_id).select(joined, depth.depth)
    recency_days = ibis.literal(as_of, type="date").delta(joined.last_day, unit="day")
    breadth_n = joined.breadth.fill_null(0)
    depth_n = joined.depth.fill_null(0.0)
    components = {
        "recency": 1 - ibis.least(recency_days, RECENCY_CAP_DAYS) / RECENCY_CAP_DAYS,
        "frequency": ibis.least(joined.frequency, FREQUENCY_CAP_DAYS) / FREQUENCY_CAP_DAYS,
        "breadth": ibis.least(breadth_n, BREADTH_CAP_FEATURES) / BREADTH_CAP_FEATURES,
        "depth": ibis.least(depth_n, DEPTH_CAP_EVENTS) / DEPTH_CAP_EVENTS,
    }
    weighted = sum(WEIGHTS[name] * value for name, value in components.items())
    score = (100 * weighted).round().cast("int64")
    return joined.select(
        user_id=joined.user_id,
        recency_days=recency_days.cast("int64"),
        frequency=joined.frequency.cast("int64"),
        breadth=breadth_n.cast("int64"),
        depth=depth_n.round(2),
        score=score,
        band=_band(score),
    )


def engagement_scores(
    db: Database, viewer: Viewer, filters: Filters, *, as_of: date | None = None
) -> pd.DataFrame:
    """One row per user active in the filter range: the components, the score and its band.

    `as_of` defaults to the filters' end. Columns: user_id, recency_days, frequency (active days in
    the last 28), breadth (distinct features in the last 28 days), depth (mean events per session in
    them, 2 decimals), score (0-100), band; highest score first.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    scored = _scores(filters, as_of or filters.end)
    found = db.run(scored.order_by([ibis.desc("score"), "user_id"]))
    return found[SCORE_COLUMNS].reset_index(drop=True)


def user_engagement_score(db: Database, viewer: Viewer, user_id: str, *, as_of: date) -> pd.Series | None:
    """One user's SCORE_COLUMNS on `as_of`, from their activity up to then; None if they had none.

    Narrowed to the user before it runs, so DuckDB reads only their rows (not every active user's).
    """
    viewer.require_user(user_id, Permission.VIEW_USER_ENGAGEMENT)
    scored = _scores(Filters(start=date.min, end=as_of), as_of)
    found = db.run(scored.filter(scored.user_id == user_id))
    return None if found.empty else found[SCORE_COLUMNS].iloc[0]


def engagement_distribution(
    db: Database, viewer: Viewer, filters: Filters, *, as_of: date | None = None
) -> pd.DataFrame:
    """Histogram of scores in bins of 5 points, every bin present (the last one includes 100).

    Columns: score_from, score_to (exclusive, 100 for the last), band, users, share_pct (1 decimal).
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    scored = _scores(filters, as_of or filters.end)
    binned = scored.select(score_from=ibis.least(scored.score // BIN_WIDTH * BIN_WIDTH, 100 - BIN_WIDTH))
    counted = db.run(binned.group_by("score_from").aggregate(users=binned.count()))
    frame = pd.DataFrame({"score_from": np.arange(0, 100, BIN_WIDTH, dtype="int64")})
    frame = frame.merge(counted.astype({"score_from": "int64"}), on="score_from", how="left")
    frame["users"] = frame["users"].fillna(0).astype("int64")
    frame["score_to"] = frame["score_from"] + BIN_WIDTH
    frame["band"] = [band_of(score) for score in frame["score_from"]]
    total = int(frame["users"].sum())
    frame["share_pct"] = np.round(100.0 * frame["users"] / total, 1) if total else 0.0
    return frame[["score_from", "score_to", "band", "users", "share_pct"]]


def band_of(score: int) -> str:
    """The band a score falls in."""
    return next(name for name, lowest in reversed(BANDS) if score >= lowest)


def band_counts(distribution: pd.DataFrame) -> pd.DataFrame:
    """Users per band from `engagement_distribution`. Columns: band, score_from, users, share_pct."""
    counts = distribution.groupby("band", sort=False, as_index=False)[["users"]].sum()
    lowest = dict(BANDS)
    counts = pd.DataFrame({"band": [name for name, _ in BANDS]}).merge(counts, on="band", how="left")
    counts["score_from"] = [lowest[name] for name in counts["band"]]
    counts["users"] = counts["users"].fillna(0).astype("int64")
    total = int(counts["users"].sum())
    counts["share_pct"] = np.round(100.0 * counts["users"] / total, 1) if total else 0.0
    return counts[["band", "score_from", "users", "share_pct"]]
