"""Paths: what people do next (or did before) an activity within a session, and how long sessions are.

A session's path is its events in order (timestamp, then event_id) with consecutive repeats collapsed:
exercise, exercise, lesson reads as exercise → lesson, so a run of ten exercises does not hide what
came after it. Every occurrence of the chosen activity in a path is an anchor; from each anchor the
path is followed `depth` steps forwards (or backwards), ending at "(end of session)" ("(start of
session)"). Sessions count when they started in the period; with activity types chosen in the
filters, only events of those types (and the chosen activity) make up the paths. Periods with more
than `max_sessions` sessions are read from a fixed sample of sessions (ordering events per session is
the costly part: about 0.5 µs of CPU per event).

SQL text rather than Ibis for `next_steps`, as in analytics.funnels.progress: the consent and segment
filters come from Ibis, every option value is a `$name` parameter.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters, segment_filter
from analytics.funnels.scope import all_activity_types, all_known, period_bounds
from analytics.schema import EVENTS, SESSIONS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

DIRECTIONS = ("next", "previous")
MAX_DEPTH = 10
MAX_TOP_N = 20
OTHER = "(other)"
END = "(end of session)"
START = "(start of session)"
DEFAULT_MAX_SESSIONS = 100_000
SAMPLE_SCALE = 10_000
"""Sessions are sampled by hash(user_id, session_id) % SAMPLE_SCALE, so a sample is the same every time."""
LINK_COLUMNS = [
    "level",
    "source",
    "target",
    "users",
    "events",
    "share_pct",
    "share_of_source_pct",
    "sample_pct",
]
LENGTH_COLUMNS = ["path_length", "sessions", "share_pct"]

_SAMPLED = "hash({prefix}user_id, {prefix}session_id) % $sample_scale::UBIGINT < $kept_per_10k::UBIGINT"
"""Whether a session is in the sample (UBIGINT arithmetic: a HUGEINT modulo is twenty times slower)."""

_NEXT_STEPS = """
WITH audience AS ({audience}),
chosen AS (
    SELECT user_id, session_id, row_number() OVER () AS sid
    FROM sessions
    WHERE started_at >= $low AND started_at < $high AND {sampled}
),
ordered AS (
    SELECT c.sid, a.user_id, a.activity_type, row_number() OVER events_in_order AS event_pos,
           lag(a.activity_type) OVER events_in_order AS before
    FROM audience a JOIN chosen c ON a.user_id = c.user_id AND a.session_id = c.session_id
    WHERE a.timestamp >= $low AND a.timestamp <= $last_event AND {sampled_events} {type_filter}
    WINDOW events_in_order AS (PARTITION BY c.sid ORDER BY a.timestamp, a.event_id)
),
paths AS MATERIALIZED (
    SELECT sid, user_id, activity_type,
           row_number() OVER (PARTITION BY sid ORDER BY event_pos) AS pos,
           count(*) OVER (PARTITION BY sid) AS steps
    FROM ordered WHERE before IS DISTINCT FROM activity_type
),
nodes AS (
    SELECT a.sid, a.user_id, a.pos AS anchor_pos, level,
           CASE WHEN a.pos + $sign * level BETWEEN 1 AND a.steps THEN p.activity_type ELSE $boundary END AS target
    FROM paths a CROSS JOIN (SELECT unnest(range(1, $depth + 1)) AS level) AS levels
    LEFT JOIN paths p ON p.sid = a.sid AND p.pos = a.pos + $sign * level
    WHERE a.activity_type = $activity AND a.pos + $sign * (level - 1) BETWEEN 1 AND a.steps
),
ranked AS (
    SELECT level, target, row_number() OVER (PARTITION BY level ORDER BY count(*) DESC, target) AS rank
    FROM nodes WHERE target <> $boundary GROUP BY level, target
),
bucketed AS (
    SELECT n.sid, n.user_id, n.anchor_pos, n.level,
           CASE WHEN n.target = $boundary OR r.rank <= $top_n THEN n.target ELSE $other END AS target
    FROM nodes n LEFT JOIN ranked r ON r.level = n.level AND r.target = n.target
),
linked AS (
    SELECT user_id, level, target,
           coalesce(lag(target) OVER (PARTITION BY sid, anchor_pos ORDER BY level), $activity) AS source
    FROM bucketed
)
SELECT level, source, target, count(DISTINCT user_id) AS users, count(*) AS events
FROM linked GROUP BY level, source, target
"""


def _check_int(function: str, name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AnalyticsError(
            f"The {name!r} option of {function} must be an int in [{low}, {high}]. Got {value!r}."
        )


def _check_activity(db: Database, activity: object) -> None:
    if not all_known(db, [activity]):
        raise AnalyticsError(
            f"The 'activity' option of next_steps must be a known activity type "
            f"({', '.join(all_activity_types(db)) or 'none yet'}). Got {activity!r}."
        )


def next_steps(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    activity: str,
    direction: str = "next",
    depth: int = 3,
    top_n: int = 5,
    max_sessions: int | None = DEFAULT_MAX_SESSIONS,
) -> pd.DataFrame:
    """Sankey-ready links from `activity` to the steps `depth` levels after (or before) it.

    Columns: level (1..depth), source, target (an activity type, "(other)" for types outside the level's
    `top_n`, or "(end of session)"/"(start of session)"), users (distinct), events (anchors taking the
    link), share_pct (of all anchors), share_of_source_pct (of the anchors at `source` on that level),
    sample_pct: when the period holds more than `max_sessions` sessions, a fixed pseudo-random sample of
    about that many sessions is followed (None: all), and users/events count the sample only.
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    if direction not in DIRECTIONS:
        raise AnalyticsError(
            f"The 'direction' option of next_steps must be one of {', '.join(map(repr, DIRECTIONS))}. "
            f"Got {direction!r}."
        )
    _check_int("next_steps", "depth", depth, 1, MAX_DEPTH)
    _check_int("next_steps", "top_n", top_n, 1, MAX_TOP_N)
    if max_sessions is not None:
        _check_int("next_steps", "max_sessions", max_sessions, 1, 10**9)
    _check_activity(db, activity)
    low, high = period_bounds(filters, load_settings().reporting_timezone)
    sessions, last_event = db.rows(
        "SELECT count(*), max(ended_at) FROM sessions WHERE started_at >= ? AND started_at < ?", [low, high]
    )[0]
    if last_event is None:
        return pd.DataFrame(columns=LINK_COLUMNS)
    kept_per_10k = SAMPLE_SCALE
    if max_sessions is not None and sessions > max_sessions:
        kept_per_10k = math.ceil(SAMPLE_SCALE * max_sessions / sessions)
    events = EVENTS.select("user_id", "session_id", "event_id", "activity_type", "timestamp")
    audience = segment_filter(analysable(events.filter(events.session_id.notnull())), filters)
    types = [*filters.activity_types, activity] if filters.activity_types else []
    sql = _NEXT_STEPS.format(
        audience=ibis.to_sql(audience, dialect="duckdb"),
        type_filter="AND list_contains($types, a.activity_type)" if types else "",
        sampled=_SAMPLED.format(prefix=""),
        sampled_events=_SAMPLED.format(prefix="a."),
    )
    params: dict[str, object] = {
        "low": low,
        "high": high,
        "last_event": last_event,
        "activity": activity,
        "sign": 1 if direction == "next" else -1,
        "boundary": END if direction == "next" else START,
        "depth": depth,
        "top_n": top_n,
        "other": OTHER,
        "kept_per_10k": kept_per_10k,
        "sample_scale": SAMPLE_SCALE,
    }
    if types:
        params["types"] = types
    links = db.query(sql, params)
    anchors = links.loc[links["level"] == 1, "events"].sum()
    from_source = links.groupby(["level", "source"])["events"].transform("sum")
    links["share_pct"] = (100.0 * links["events"] / anchors).round(1)
    links["share_of_source_pct"] = (100.0 * links["events"] / from_source).round(1)
    links["sample_pct"] = 100.0 * kept_per_10k / SAMPLE_SCALE
    links = links.sort_values(["level", "events", "source", "target"], ascending=[True, False, True, True])
    return links.astype({"level": "int64", "users": "int64", "events": "int64"}).reset_index(drop=True)[
        LINK_COLUMNS
    ]


def path_lengths(db: Database, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Sessions started in the period by number of events. Columns: path_length, sessions, share_pct.

    With activity types chosen in the filters, only events of those types count (sessions without
    any are left out); otherwise the sessions rollup's event_count is used.
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    low, high = period_bounds(filters, load_settings().reporting_timezone)
    sessions = segment_filter(analysable(SESSIONS), filters)
    sessions = sessions.filter((sessions.started_at >= low) & (sessions.started_at < high))
    if filters.activity_types:
        events = EVENTS.filter(
            EVENTS.activity_type.isin(list(filters.activity_types))
            & (EVENTS.timestamp >= low)
            & (EVENTS.timestamp <= sessions.ended_at.max())
        )
        counted = events.semi_join(sessions, ["user_id", "session_id"])
        counted = counted.group_by(["user_id", "session_id"]).aggregate(path_length=counted.count())
    else:
        counted = sessions.select(path_length=sessions.event_count)
    lengths = db.run(
        counted.group_by("path_length").aggregate(sessions=counted.count()).order_by("path_length")
    )
    lengths["share_pct"] = (100.0 * lengths["sessions"] / lengths["sessions"].sum()).round(1)
    return lengths.astype({"path_length": "int64", "sessions": "int64"})[LENGTH_COLUMNS]
