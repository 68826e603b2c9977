"""Peer comparison: a user's metrics against their peer group, their own history, and other users.

Metrics (PEER_METRICS) are per user over the filters' days, from the rollups; a peer group is the other
users who share the user's plan, signup cohort (month of signup) or country and were active in the
period (the filters' segment narrows it further; activity-type filters do not apply). Peer figures are
shown only for groups of at least MIN_PEERS users, so that no single other user can be read off them.
External benchmarks (published figures with their source) come from `config/benchmarks.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from pathlib import Path

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import utc_instant
from analytics.engagement.score import engagement_scores
from analytics.errors import AnalyticsError, ConsentWithdrawn, NotFoundError
from analytics.filters import Filters, literal_day, segment_filter
from analytics.schema import SESSIONS, USER_DAILY, USERS, analysable
from analytics.viewer import SYSTEM, Viewer
from config.permissions import Permission
from config.settings import load_settings

BENCHMARKS_FILE = Path(__file__).resolve().parents[1] / "config" / "benchmarks.toml"
MIN_PEERS = 5
MAX_COMPARED = 10
PEER_GROUPS = ("plan", "signup_cohort", "country")
TOO_FEW = "too few peers"


@dataclass(frozen=True)
class PeerMetric:
    """A per-user metric: how it reads, which direction is good, and its definition."""

    label: str
    higher_is_better: bool
    definition: str


PEER_METRICS = {
    "active_days": PeerMetric("Active days", True, "days with at least one event"),
    "active_day_share": PeerMetric(
        "Share of days active", True, "active days ÷ days in the period (one user's DAU/MAU)"
    ),
    "sessions": PeerMetric("Sessions", True, "sessions that started in the period"),
    "accuracy": PeerMetric("Accuracy", True, "Σ accuracy ÷ answers with an accuracy (0..1)"),
    "speed_s": PeerMetric("Seconds per exercise", False, "Σ exercise seconds ÷ exercises"),
    "completion_rate": PeerMetric("Completion rate", True, "completed ÷ events with a completed flag"),
    "skill_level": PeerMetric("Skill level", True, "highest level reached in the period"),
    "engagement_score": PeerMetric(
        "Engagement score", True, "0-100 score of the 28 days ending the period (analytics.engagement.score)"
    ),
}
"""The metrics, in display order."""
COUNT_METRICS = ("active_days", "active_day_share", "sessions")
"""Metrics that are 0 (not unknown) for a user without activity."""
PERCENTILE_COLUMNS = ["metric", "value", "peer_median", "peer_p25", "peer_p75", "percentile", "peers", "note"]
SELF_COLUMNS = ["metric", "value", "history_mean", "change", "change_pct", "history_periods"]


def user_metrics(filters: Filters) -> ir.Table:
    """Per user active in the filters' days: user_id, every PEER_METRICS column but engagement_score, and
    the activity behind the ratios: answers (with an accuracy) and completable (events with a completed flag).
    """
    daily = segment_filter(analysable(USER_DAILY), filters)
    daily = daily.filter(daily.day.between(literal_day(filters.start), literal_day(filters.end)))
    per_user = daily.group_by("user_id").aggregate(
        active_days=daily.count(),
        accuracy=daily.accuracy_sum.sum() / daily.accuracy_count.sum().nullif(0),
        speed_s=daily.exercise_seconds.sum() / daily.exercise_count.sum().nullif(0),
        completion_rate=daily.completed_count.sum() / daily.completable_count.sum().nullif(0),
        skill_level=daily.max_level.max(),
        answers=daily.accuracy_count.sum(),
        completable=daily.completable_count.sum(),
    )
    zone = load_settings().reporting_timezone
    sessions = segment_filter(analysable(SESSIONS), filters)
    sessions = sessions.filter(
        (sessions.started_at >= utc_instant(filters.start, zone))
        & (sessions.started_at < utc_instant(filters.end + timedelta(days=1), zone))
    )
    started = sessions.group_by("user_id").aggregate(sessions=sessions.count())
    joined = per_user.left_join(started, "user_id")
    return joined.select(
        user_id=per_user.user_id,
        active_days=per_user.active_days.cast("int64"),
        active_day_share=per_user.active_days / filters.days,
        sessions=started.sessions.fill_null(0).cast("int64"),
        accuracy=per_user.accuracy,
        speed_s=per_user.speed_s,
        completion_rate=per_user.completion_rate,
        skill_level=per_user.skill_level.cast("float64"),
        answers=per_user.answers.cast("int64"),
        completable=per_user.completable.cast("int64"),
    )


def _user_row(db: Database, user_id: str) -> pd.Series:
    """The user's row in `users`; NotFoundError if absent, ConsentWithdrawn if they withdrew consent."""
    found = db.run(USERS.filter(USERS.user_id == user_id).select("user_id", "plan", "country", "signup_at"))
    if found.empty:
        raise NotFoundError(f"No user has the user_id {user_id!r}.")
    if db.run(analysable(USERS).filter(USERS.user_id == user_id).count()).iloc[0, 0] == 0:
        raise ConsentWithdrawn(
            f"User {user_id!r} withdrew consent to analytics, so there is nothing to compare."
        )
    return found.iloc[0]


def _group_value(user: pd.Series, peer_group: str) -> str | None:
    if peer_group == "signup_cohort":
        return None if pd.isna(user["signup_at"]) else pd.Timestamp(user["signup_at"]).strftime("%Y-%m")
    value = user[peer_group]
    return None if pd.isna(value) else str(value)


def _group_members(peer_group: str, value: str | None) -> ir.Table:
    column = USERS.signup_at.strftime("%Y-%m") if peer_group == "signup_cohort" else USERS[peer_group]
    return USERS.filter(column.isnull() if value is None else column == value).select("user_id")


def _one_user(db: Database, metrics: ir.Table, user_id: str) -> dict[str, float]:
    """The user's metric values; counts are 0 and ratios NaN when they were not active."""
    found = db.run(metrics.filter(metrics.user_id == user_id))
    values = {name: (0.0 if name in COUNT_METRICS else np.nan) for name in PEER_METRICS}
    if not found.empty:
        row = found.iloc[0][[name for name in PEER_METRICS if name in found.columns]]
        values.update({name: float(v) for name, v in row.items() if pd.notna(v)})
    return values


def peer_percentiles(
    db: Database, viewer: Viewer, user_id: str, filters: Filters, *, peer_group: str = "plan"
) -> pd.DataFrame:
    """The user's value and percentile on each metric among their peers, one row per PEER_METRICS entry.

    Columns: PERCENTILE_COLUMNS. percentile = 100 × (peers below + ½ peers equal) ÷ peers (whatever the
    metric's direction); peer_p25/median/p75 are linear-interpolated quartiles of the peers' values;
    peers counts the other active users of the group with a value. With fewer than MIN_PEERS of them the
    peer columns are empty and note says "too few peers".
    """
    viewer.require_user(user_id, Permission.VIEW_USER_ANALYTICS)
    if peer_group not in PEER_GROUPS:
        raise AnalyticsError(
            f"The 'peer_group' option of peer_percentiles must be one of {', '.join(PEER_GROUPS)}. "
            f"Got {peer_group!r}."
        )
    group = _group_members(peer_group, _group_value(_user_row(db, user_id), peer_group))
    values = _one_user(db, user_metrics(replace(filters, segment=())), user_id)
    metrics = user_metrics(filters)
    peers = metrics.semi_join(group, "user_id")
    peers = peers.filter(peers.user_id != user_id)
    columns: dict[str, ir.Scalar] = {}
    for name in PEER_METRICS:
        if name == "engagement_score":
            continue
        column = peers[name]
        columns[f"{name}__quartiles"] = column.quantile([0.25, 0.5, 0.75])
        columns[f"{name}__peers"] = column.count()
        if not np.isnan(values[name]):
            columns[f"{name}__below"] = (column < values[name]).sum()
            columns[f"{name}__equal"] = (column == values[name]).sum()
    summary = db.run(peers.aggregate(**columns)).iloc[0]
    rows = [
        _percentile_row(
            name,
            values[name],
            summary[f"{name}__quartiles"],
            int(summary[f"{name}__peers"]),
            summary.get(f"{name}__below"),
            summary.get(f"{name}__equal"),
        )
        for name in PEER_METRICS
        if name != "engagement_score"
    ]
    rows.append(_score_row(db, user_id, filters, group))
    return pd.DataFrame(rows, columns=PERCENTILE_COLUMNS)


def _percentile_row(
    metric: str, value: float, quartiles: object, peers: int, below: object, equal: object
) -> dict[str, object]:
    row: dict[str, object] = {"metric": metric, "value": value, "peers": peers, "note": ""}
    empty = {"peer_median": np.nan, "peer_p25": np.nan, "peer_p75": np.nan, "percentile": np.nan}
    if peers < MIN_PEERS:
        return {**row, **empty, "note": f"{TOO_FEW} ({peers} < {MIN_PEERS})"}
    p25, median, p75 = (float(q) for q in quartiles)
    percentile = np.nan if below is None or pd.isna(below) else 100.0 * (below + 0.5 * equal) / peers
    return {**row, "peer_median": median, "peer_p25": p25, "peer_p75": p75, "percentile": percentile}


def _score_row(db: Database, user_id: str, filters: Filters, group: ir.Table) -> dict[str, object]:
    """The engagement-score row, computed in pandas from `engagement_scores` of the group's users."""
    # The viewer's right to see this user was checked by the caller; only group aggregates leave here.
    scores = engagement_scores(db, SYSTEM, filters)
    members = set(db.run(group.semi_join(analysable(USERS), "user_id"))["user_id"])
    scores = scores[scores["user_id"].isin(members)]
    own = scores.loc[scores["user_id"] == user_id, "score"]
    value = float(own.iloc[0]) if len(own) else np.nan
    others = scores.loc[scores["user_id"] != user_id, "score"].to_numpy(dtype=float)
    quartiles = np.quantile(others, [0.25, 0.5, 0.75]) if len(others) else None
    below = None if np.isnan(value) else int((others < value).sum())
    equal = None if np.isnan(value) else int((others == value).sum())
    return _percentile_row("engagement_score", value, quartiles, len(others), below, equal)


def self_comparison(
    db: Database, viewer: Viewer, user_id: str, filters: Filters, *, periods: int = 4
) -> pd.DataFrame:
    """The user's metrics in the filters' period against the mean of their `periods` previous equal periods.

    Only previous periods that end on or after the user's first active day count. Columns: SELF_COLUMNS
    (history_mean over those periods: counts as 0 when inactive, ratios over periods with a value;
    change = value − history_mean; change_pct relative to it; history_periods: periods averaged).
    The engagement score is left out (it is not a per-period sum).
    """
    viewer.require_user(user_id, Permission.VIEW_USER_ANALYTICS)
    if isinstance(periods, bool) or not isinstance(periods, int) or not 1 <= periods <= 52:
        raise AnalyticsError(
            f"The 'periods' option of self_comparison must be an int in [1, 52]. Got {periods!r}."
        )
    _user_row(db, user_id)
    daily = analysable(USER_DAILY)
    first_day = db.run(daily.filter(daily.user_id == user_id).day.min()).iloc[0, 0]
    rows_by_period = []
    for back in range(periods + 1):
        window = filters
        for _ in range(back):
            window = window.previous()
        if back > 0 and (pd.isna(first_day) or window.end < pd.Timestamp(first_day).date()):
            continue
        window = replace(window, segment=())
        rows_by_period.append({"back": back, **_one_user(db, user_metrics(window), user_id)})
    frame = pd.DataFrame(rows_by_period).set_index("back")
    current, history = frame.loc[0], frame.drop(index=0)
    rows = []
    for name in PEER_METRICS:
        if name == "engagement_score":
            continue
        known = history[name].dropna()
        mean = float(known.mean()) if len(known) else np.nan
        change = current[name] - mean
        change_pct = 100.0 * change / mean if mean else np.nan
        rows.append(
            {
                "metric": name,
                "value": current[name],
                "history_mean": mean,
                "change": change,
                "change_pct": change_pct,
                "history_periods": len(known),
            }
        )
    return pd.DataFrame(rows, columns=SELF_COLUMNS)


def compare_users(db: Database, viewer: Viewer, user_ids: list[str], filters: Filters) -> pd.DataFrame:
    """Up to MAX_COMPARED users side by side, in the order given.

    Columns: user_id, display_name, plan, country, then every PEER_METRICS column (counts 0 and ratios
    empty for users without activity in the period).
    """
    viewer.require_aggregate(Permission.COMPARE_USERS)
    wanted = list(dict.fromkeys(user_ids))
    if not wanted or len(wanted) > MAX_COMPARED:
        raise AnalyticsError(
            f"Compare between 1 and {MAX_COMPARED} users at a time. Got {len(wanted)} distinct user ids."
        )
    users = analysable(USERS)
    found = db.run(
        users.filter(users.user_id.isin(wanted)).select("user_id", "display_name", "plan", "country")
    )
    missing = [user for user in wanted if user not in set(found["user_id"])]
    if missing:
        raise NotFoundError(f"Unknown user ids (or users who withdrew consent): {', '.join(missing)}.")
    metrics = user_metrics(replace(filters, segment=()))
    values = db.run(metrics.filter(metrics.user_id.isin(wanted)))
    scores = engagement_scores(db, SYSTEM, replace(filters, segment=()))[["user_id", "score"]]
    table = found.merge(values, on="user_id", how="left").merge(
        scores.rename(columns={"score": "engagement_score"}), on="user_id", how="left"
    )
    for name in COUNT_METRICS:
        table[name] = table[name].fillna(0)
    table = table.set_index("user_id").loc[wanted].reset_index()
    return table[["user_id", "display_name", "plan", "country", *PEER_METRICS]]


def search_users(db: Database, viewer: Viewer, prefix: str, *, limit: int = 20) -> pd.DataFrame:
    """Users whose user_id or display name starts with `prefix` (case-insensitive), by user_id.

    Columns: user_id, display_name. Users who withdrew consent are left out.
    """
    viewer.require_aggregate(Permission.COMPARE_USERS)
    users = analysable(USERS)
    text = prefix.strip().lower()
    matching = users.filter(
        users.user_id.lower().startswith(text) | users.display_name.lower().startswith(text)
    )
    return db.run(matching.select("user_id", "display_name").order_by("user_id").limit(limit))


@cache
def _benchmarks(path: Path = BENCHMARKS_FILE) -> pd.DataFrame:
    with path.open("rb") as handle:
        entries = tomllib.load(handle).get("benchmark", [])
    fields = ("name", "metric", "value", "source", "url", "note")
    for number, entry in enumerate(entries, start=1):
        missing = [field for field in fields if field not in entry]
        if missing or entry["metric"] not in PEER_METRICS:
            raise AnalyticsError(
                f"{path}: benchmark {number} must have {', '.join(fields)} and a metric among "
                f"{', '.join(PEER_METRICS)}. Got {entry!r}."
            )
    return pd.DataFrame(
        [{field: entry[field] for field in fields} for entry in entries], columns=list(fields)
    )


def external_benchmarks(metric: str | None = None) -> pd.DataFrame:
    """Published figures for `metric` (all metrics when None). Columns: name, metric, value, source, url, note."""
    table = _benchmarks()
    return (table if metric is None else table[table["metric"] == metric]).reset_index(drop=True)
