"""One user up close: search, profile, daily activity, a timeline by session, and metrics against peers.

The same functions serve the user explorer (people who may look at any user) and a member's own page:
each checks `viewer.require_user(user_id, VIEW_USER_ANALYTICS)`, refuses users who withdrew consent, and
writes a look at someone else's data to the audit log. Times are wall-clock times of the reporting zone;
definitions are in docs/metrics/users.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import audit
from analytics.db import Database
from analytics.engagement.activity import utc_instant
from analytics.engagement.score import user_engagement_score
from analytics.errors import AnalyticsError, ConsentWithdrawn, NotFoundError
from analytics.filters import Filters, activity_filter, literal_day
from analytics.peers import MIN_PEERS, PEER_METRICS, TOO_FEW, user_metrics
from analytics.schema import EVENTS, SESSIONS, USER_DAILY, USER_DAILY_ACTIVITY, USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

SEARCH_LIMIT = 20
MAX_SEARCH_CHARS = 200
SEARCH_COLUMNS = ["user_id", "display_name", "email", "plan", "country", "platform", "signup_at"]
EXCLUDED = "excluded: consent withdrawn"
PEER_GROUPS = ("all", "plan", "country", "platform")
SUMMARY_METRICS = ("active_days", "sessions", "accuracy", "speed_s", "completion_rate", "skill_level")
PEER_FIGURES = ("peer_p25", "peer_median", "peer_p75", "percentile")
SUMMARY_COLUMNS = ["metric", "label", "value", *PEER_FIGURES, "peers", "note"]
SESSIONS_PER_PAGE = 20
MAX_SESSIONS_PER_PAGE = 100
KEY_PROPERTIES = ("feature", "content_id", "skill", "level", "accuracy", "score", "completed", "duration_s")
"""Properties listed first in an event's details (the rest follow by name)."""


@dataclass(frozen=True)
class UserSearch:
    """Up to `limit` matching users (SEARCH_COLUMNS), whether more matched, and why an id is missing."""

    users: pd.DataFrame
    more: bool
    note: str | None


@dataclass(frozen=True)
class UserProfile:
    """Who the user is and their lifetime figures; times in the reporting zone."""

    user_id: str
    display_name: str | None
    email: str | None
    signup_at: datetime | None
    plan: str | None
    country: str | None
    platform: str | None
    first_activity_at: datetime | None
    last_activity_at: datetime | None
    lifetime_events: int
    lifetime_sessions: int
    lifetime_active_days: int
    engagement_score: int | None
    engagement_band: str | None
    score_as_of: date | None
    skill_level: int | None
    skill_level_day: date | None


@dataclass(frozen=True)
class Timeline:
    """One page of a user's sessions, newest first, with their events.

    sessions columns: session_id, started_at, ended_at (reporting zone), duration_s, event_count (all the
    session's events), shown_events (those of the chosen activity types). events columns: session_id,
    event_id, at (reporting zone), activity_type, details ("key=value, ..." of its properties), in time order.
    """

    sessions: pd.DataFrame
    events: pd.DataFrame
    total_sessions: int
    page: int
    pages: int


def _zone() -> str:
    return load_settings().reporting_timezone


def _local(values: pd.Series, zone: str) -> pd.Series:
    """Naive-UTC timestamps as naive wall-clock times of `zone`."""
    stamps = pd.to_datetime(values).astype("datetime64[us]")
    return stamps.dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)


def _local_one(value: object, zone: str) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return _local(pd.Series([value]), zone).iloc[0].to_pydatetime()


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def find_users(db: Database, viewer: Viewer, text: str, *, limit: int = SEARCH_LIMIT) -> UserSearch:
    """Users whose id, email or a word of whose display name starts with `text` (case-insensitive).

    An exact id match comes first, then the rest by user_id. Users who withdrew consent are left out;
    when `text` is exactly such a user's id, `note` says EXCLUDED.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ANALYTICS)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
        raise AnalyticsError(f"The 'limit' option of find_users must be an int in [1, 100]. Got {limit!r}.")
    wanted = (text or "").strip().lower()
    if len(wanted) > MAX_SEARCH_CHARS:
        raise AnalyticsError(
            f"Search text must be at most {MAX_SEARCH_CHARS} characters. Got {len(wanted)} characters."
        )
    if not wanted:
        return UserSearch(pd.DataFrame(columns=SEARCH_COLUMNS), more=False, note=None)
    found = db.query(
        f"""SELECT {", ".join(SEARCH_COLUMNS)} FROM users
            WHERE consent_analytics AND (
                starts_with(lower(user_id), ?)
                OR starts_with(lower(coalesce(email, '')), ?)
                OR list_bool_or(
                    [starts_with(word, ?) for word in string_split(lower(coalesce(display_name, '')), ' ')]
                )
            )
            ORDER BY lower(user_id) = ? DESC, user_id
            LIMIT ?""",
        [wanted, wanted, wanted, wanted, limit + 1],
    )
    withdrawn = db.scalar(
        "SELECT count(*) FROM users WHERE lower(user_id) = ? AND NOT consent_analytics", [wanted]
    )
    users = found.head(limit).reset_index(drop=True)
    users["signup_at"] = _local(users["signup_at"], _zone())
    return UserSearch(users, more=len(found) > limit, note=EXCLUDED if withdrawn else None)


def _open_user(db: Database, viewer: Viewer, user_id: str, *, view: str, source: str | None) -> pd.Series:
    """The user's `users` row, once the viewer may see them; a look at someone else is audited."""
    viewer.require_user(user_id, Permission.VIEW_USER_ANALYTICS)
    found = db.run(USERS.filter(USERS.user_id == user_id).select(*SEARCH_COLUMNS, "consent_analytics"))
    if found.empty:
        raise NotFoundError(f"No user has the user_id {user_id!r}.")
    row = found.iloc[0]
    if not row["consent_analytics"]:
        raise ConsentWithdrawn(f"User {user_id!r} is {EXCLUDED}: nothing about them is analysed or shown.")
    if user_id != viewer.user_id:
        audit.log(db, viewer.account, "view_user", target=user_id, detail={"view": view}, source=source)
    return row


def latest_day(db: Database) -> date | None:
    """The last reporting-zone day with any (analysable) activity: where "current" figures stop."""
    # No viewer: the date reveals nothing about any one user, and members' pages need it too.
    daily = analysable(USER_DAILY)
    found = db.run(daily.day.max()).iloc[0, 0]
    return None if pd.isna(found) else pd.Timestamp(found).date()


def user_profile(
    db: Database, viewer: Viewer, user_id: str, *, as_of: date | None = None, source: str | None = None
) -> UserProfile:
    """The user's attributes and lifetime figures (all their data), and their engagement score on `as_of`.

    `as_of` defaults to `latest_day`. The score is `analytics.engagement.score`'s, computed from the
    user's activity up to `as_of` (None if they had none by then); skill_level is the highest level of
    the last day on which the user reached one.
    """
    row = _open_user(db, viewer, user_id, view="profile", source=source)
    zone = _zone()
    as_of = as_of or latest_day(db)
    daily = USER_DAILY.filter(USER_DAILY.user_id == user_id)
    known_level = daily.max_level.notnull()
    totals = db.run(
        daily.aggregate(
            events=daily.event_count.sum(),
            active_days=daily.count(),
            first_at=daily.first_event_at.min(),
            last_at=daily.last_event_at.max(),
            level=daily.max_level.argmax(daily.day, where=known_level),
            level_day=daily.day.max(where=known_level),
        )
    ).iloc[0]
    sessions = db.run(SESSIONS.filter(SESSIONS.user_id == user_id).count()).iloc[0, 0]
    scored = None if as_of is None else user_engagement_score(db, viewer, user_id, as_of=as_of)
    return UserProfile(
        user_id=user_id,
        display_name=_text(row["display_name"]),
        email=_text(row["email"]),
        signup_at=_local_one(row["signup_at"], zone),
        plan=_text(row["plan"]),
        country=_text(row["country"]),
        platform=_text(row["platform"]),
        first_activity_at=_local_one(totals["first_at"], zone),
        last_activity_at=_local_one(totals["last_at"], zone),
        lifetime_events=int(0 if pd.isna(totals["events"]) else totals["events"]),
        lifetime_sessions=int(sessions),
        lifetime_active_days=int(totals["active_days"]),
        engagement_score=None if scored is None else int(scored["score"]),
        engagement_band=None if scored is None else str(scored["band"]),
        score_as_of=None if scored is None else as_of,
        skill_level=None if pd.isna(totals["level"]) else int(totals["level"]),
        skill_level_day=None if pd.isna(totals["level_day"]) else pd.Timestamp(totals["level_day"]).date(),
    )


def user_activity(
    db: Database, viewer: Viewer, user_id: str, filters: Filters, *, source: str | None = None
) -> pd.DataFrame:
    """The user's events per day and activity type over the filters' days (of the chosen types, if any).

    Columns: day (date), activity_type, events; only days and types with events, by day then type.
    """
    _open_user(db, viewer, user_id, view="activity", source=source)
    table = activity_filter(USER_DAILY_ACTIVITY, filters)
    table = table.filter(
        (table.user_id == user_id) & table.day.between(literal_day(filters.start), literal_day(filters.end))
    )
    found = db.run(
        table.select("day", "activity_type", events=table.event_count.cast("int64")).order_by(
            ["day", "activity_type"]
        )
    )
    found["day"] = pd.to_datetime(found["day"]).dt.date
    return found.reset_index(drop=True)


def _user_sessions(user_id: str, filters: Filters, zone: str) -> ir.Table:
    """The user's sessions that started in the filters' days (holding an event of the chosen types)."""
    start, end = utc_instant(filters.start, zone), utc_instant(filters.end + timedelta(days=1), zone)
    sessions = SESSIONS.filter(
        (SESSIONS.user_id == user_id) & (SESSIONS.started_at >= start) & (SESSIONS.started_at < end)
    )
    if filters.activity_types:
        events = activity_filter(EVENTS, filters)
        events = events.filter((events.user_id == user_id) & (events.timestamp >= start))
        sessions = sessions.semi_join(events, "session_id")
    return sessions


def user_timeline(
    db: Database,
    viewer: Viewer,
    user_id: str,
    filters: Filters,
    *,
    page: int = 1,
    sessions_per_page: int = SESSIONS_PER_PAGE,
    source: str | None = None,
) -> Timeline:
    """Page `page` (from 1) of the sessions that started in the filters' days, newest first, with their
    events (of the chosen activity types, if any) in time order. See `Timeline` for the columns.
    """
    if (
        isinstance(sessions_per_page, bool)
        or not isinstance(sessions_per_page, int)
        or not 1 <= sessions_per_page <= MAX_SESSIONS_PER_PAGE
    ):
        raise AnalyticsError(
            f"The 'sessions_per_page' option of user_timeline must be an int in [1, {MAX_SESSIONS_PER_PAGE}]. "
            f"Got {sessions_per_page!r}."
        )
    _open_user(db, viewer, user_id, view="timeline", source=source)
    zone = _zone()
    sessions = _user_sessions(user_id, filters, zone)
    total = int(db.run(sessions.count()).iloc[0, 0])
    pages = -(-total // sessions_per_page)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= max(pages, 1):
        raise AnalyticsError(
            f"The 'page' option of user_timeline must be an int in [1, {max(pages, 1)}]. Got {page!r}."
        )
    shown = db.run(
        sessions.order_by([ibis.desc("started_at"), ibis.desc("session_id")])
        .limit(sessions_per_page, offset=(page - 1) * sessions_per_page)
        .select("session_id", "started_at", "ended_at", "duration_s", "event_count")
    )
    events = pd.DataFrame(columns=["session_id", "event_id", "timestamp", "activity_type", "properties"])
    if len(shown):
        table = activity_filter(EVENTS, filters)
        table = table.filter(
            (table.user_id == user_id)
            & table.session_id.isin(shown["session_id"].tolist())
            & table.timestamp.between(shown["started_at"].min(), shown["ended_at"].max())
        )
        events = db.run(
            table.select("session_id", "event_id", "timestamp", "activity_type", "properties").order_by(
                ["timestamp", "event_id"]
            )
        )
    counts = events.groupby("session_id").size()
    shown["shown_events"] = shown["session_id"].map(counts).fillna(0).astype("int64")
    shown["event_count"] = shown["event_count"].astype("int64")
    for column in ("started_at", "ended_at"):
        shown[column] = _local(shown[column], zone)
    events = events.assign(at=_local(events["timestamp"], zone), details=events["properties"].map(_details))
    return Timeline(
        sessions=shown.reset_index(drop=True),
        events=events[["session_id", "event_id", "at", "activity_type", "details"]].reset_index(drop=True),
        total_sessions=total,
        page=page,
        pages=pages,
    )


def _details(properties: object) -> str:
    """An event's properties as "key=value, ...": KEY_PROPERTIES first, then the others by name."""
    if isinstance(properties, str):
        properties = json.loads(properties)
    if not isinstance(properties, dict):
        return ""
    keys = [key for key in KEY_PROPERTIES if key in properties]
    keys += sorted(key for key in properties if key not in KEY_PROPERTIES)
    return ", ".join(f"{key}={_shown(properties[key])}" for key in keys)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return value if isinstance(value, str) else json.dumps(value)


def _peer_members(peer_group: str, user: pd.Series) -> ir.Table | None:
    """The users sharing the user's plan, country or platform (None: everyone)."""
    if peer_group == "all":
        return None
    value = user[peer_group]
    column = USERS[peer_group]
    return USERS.filter(column.isnull() if pd.isna(value) else column == value).select("user_id")


def peer_summary(
    db: Database,
    viewer: Viewer,
    user_id: str,
    filters: Filters,
    *,
    peer_group: str = "all",
    source: str | None = None,
) -> pd.DataFrame:
    """The user's SUMMARY_METRICS over the filters' days against the other users active then.

    `peer_group` ("all", or the user's "plan", "country" or "platform") and the filters' segment narrow
    the peers; the user's own values ignore the segment. Metrics are those of `analytics.peers`. Columns:
    SUMMARY_COLUMNS: value (the user's; counts 0 and ratios empty when inactive), peer_p25/median/p75
    (linear-interpolated quartiles of the peers' values), percentile (100 × (peers below + ½ peers equal)
    ÷ peers), peers (peers with a value), note ("too few peers" below MIN_PEERS: peer columns empty).
    """
    if peer_group not in PEER_GROUPS:
        raise AnalyticsError(
            f"The 'peer_group' option of peer_summary must be one of {', '.join(PEER_GROUPS)}. "
            f"Got {peer_group!r}."
        )
    user = _open_user(db, viewer, user_id, view="peers", source=source)
    everyone = user_metrics(replace(filters, segment=()))
    own = db.run(everyone.filter(everyone.user_id == user_id))
    values = {name: (0.0 if name in ("active_days", "sessions") else np.nan) for name in SUMMARY_METRICS}
    if len(own):
        values.update(
            {name: float(own.iloc[0][name]) for name in SUMMARY_METRICS if pd.notna(own.iloc[0][name])}
        )
    peers = user_metrics(filters)
    peers = peers.filter(peers.user_id != user_id)
    members = _peer_members(peer_group, user)
    if members is not None:
        peers = peers.semi_join(members, "user_id")
    columns: dict[str, ir.Scalar] = {}
    for name in SUMMARY_METRICS:
        column = peers[name]
        columns[f"{name}__quartiles"] = column.quantile([0.25, 0.5, 0.75])
        columns[f"{name}__peers"] = column.count()
        if not np.isnan(values[name]):
            columns[f"{name}__below"] = (column < values[name]).sum()
            columns[f"{name}__equal"] = (column == values[name]).sum()
    summary = db.run(peers.aggregate(**columns)).iloc[0]
    rows = []
    for name in SUMMARY_METRICS:
        count = int(summary[f"{name}__peers"])
        row = {"metric": name, "label": PEER_METRICS[name].label, "value": values[name], "peers": count}
        if count < MIN_PEERS:
            rows.append({**row, "note": f"{TOO_FEW} ({count} < {MIN_PEERS})"})
            continue
        p25, median, p75 = (float(q) for q in summary[f"{name}__quartiles"])
        below, equal = summary.get(f"{name}__below"), summary.get(f"{name}__equal")
        percentile = np.nan if below is None else 100.0 * (below + 0.5 * equal) / count
        rows.append(
            {**row, **dict(zip(PEER_FIGURES, (p25, median, p75, percentile), strict=True)), "note": ""}
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype(
        dict.fromkeys(["value", *PEER_FIGURES], "float64")
    )
