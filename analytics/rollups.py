"""Derived tables kept in step with `events`: sessions, user_daily and user_daily_activity.

Dashboards read these (hundreds of thousands of rows) instead of raw events (millions). They are rebuilt
in full after a bulk load and refreshed for just the touched users, days and sessions after an import or
a tracking call, inside the same transaction as the new events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from analytics.errors import AnalyticsError

ROLLUP_ZONE_KEY = "rollup_timezone"
FEATURE_BITS = 64
"""Up to this many distinct features among the events summed, a group's features are a bitmask."""
FEATURE_NAMES = "_rollup_feature_names"
PARTS = "_rollup_parts"
"""Temporary tables of a rebuild or refresh, dropped when it ends."""
_KNOWN_ZONES: set[str] = set()
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def checked_zone(zone: str) -> str:
    """Return `zone` if it is a known IANA time zone name, else raise AnalyticsError."""
    if zone in _KNOWN_ZONES:  # every tracking call checks its zones; ZoneInfo's own lookup is slower
        return zone
    try:
        if not _ZONE_NAME.match(zone):
            raise ZoneInfoNotFoundError(zone)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AnalyticsError(
            f"The time zone must be an IANA name such as 'UTC' or 'Europe/Berlin'. Got {zone!r}."
        ) from exc
    _KNOWN_ZONES.add(zone)
    return zone


def local_day_sql(column: str, zone: str) -> str:
    """SQL for the reporting-zone calendar day of a UTC `column` (an internal column name)."""
    zone = checked_zone(zone)
    if zone == "UTC":  # the same day without two time zone conversions per row
        return f"CAST({column} AS DATE)"
    return f"CAST(timezone('{zone}', {column} AT TIME ZONE 'UTC') AS DATE)"


def _with_properties(source: str) -> str:
    """SELECT of events `source` with `properties` replaced by the values rollups use, parsed once per event.

    These are duration_s, accuracy, score, completed, level and feature, as every rollup query expects.
    """
    return f"""
        SELECT * EXCLUDE (_v, properties),
               TRY_CAST(_v[1] AS DOUBLE) AS duration_s,
               TRY_CAST(_v[2] AS DOUBLE) AS accuracy,
               TRY_CAST(_v[3] AS DOUBLE) AS score,
               TRY_CAST(_v[4] AS BOOLEAN) AS completed,
               TRY_CAST(_v[5] AS INTEGER) AS level,
               _v[6] AS feature
        FROM (
            SELECT *, json_extract_string(
                properties, ['$.duration_s', '$.accuracy', '$.score', '$.completed', '$.level', '$.feature']
            ) AS _v
            FROM {source}
        )
    """


@dataclass(frozen=True)
class _Features:
    """SQL for the distinct features of a group: `part` aggregates events into a part's `features`,
    `merged` aggregates parts' into a column `features`, read by `day_list` as a sorted list and by
    `session_count` as their number."""

    part: str
    merged: str
    day_list: str
    session_count: str


def _features(cursor: duckdb.DuckDBPyConnection, source: str) -> _Features:
    """Bitmasks over the sorted distinct features of `source`, a relation with a `feature` column (kept
    in FEATURE_NAMES) when there are at most FEATURE_BITS of them: they aggregate several times faster
    than lists of text."""
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE {FEATURE_NAMES} AS "
        f"SELECT list_sort(list(DISTINCT feature) FILTER (WHERE feature IS NOT NULL)) AS names FROM {source}"
    )
    count = cursor.execute(f"SELECT coalesce(len(names), 0) FROM {FEATURE_NAMES}").fetchall()[0][0]
    if count > FEATURE_BITS:
        return _Features(
            part="list_distinct(list(feature))",
            merged="list_distinct(flatten(list(features)))",
            day_list="list_sort(features)",
            session_count="len(features)",
        )
    names = f"(SELECT names FROM {FEATURE_NAMES})"
    return _Features(
        part=f"bit_or(CAST(1 AS UBIGINT) << (list_position({names}, feature) - 1))",
        merged="bit_or(features)",
        day_list=f"coalesce(list_filter({names}, lambda name, i: (features >> (i - 1)) & 1 = 1), [])",
        session_count="coalesce(bit_count(features), 0)",
    )


def _create_parts(
    cursor: duckdb.DuckDBPyConnection, typed: str, zone: str, *, features_from: str | None = None
) -> _Features:
    """Fill PARTS from the events of `typed`: per user, reporting-zone day and session, every sum that
    user_daily and sessions need, so that neither reads the events again.

    Parts are one row per session and day (a tenth of the events in the import bench's data), so the
    rollups that add them up cost little.
    `features_from` is a cheaper relation with the same `feature` column, when `typed` is a query.
    """
    features = _features(cursor, features_from or typed)
    cursor.execute(
        f"""CREATE OR REPLACE TEMP TABLE {PARTS} AS
        SELECT
            user_id,
            {local_day_sql("timestamp", zone)} AS day,
            session_id,
            count(*) AS event_count,
            min(timestamp) AS first_event_at,
            max(timestamp) AS last_event_at,
            sum(duration_s) AS active_seconds,
            count(*) FILTER (WHERE activity_type = 'exercise') AS exercise_count,
            count(*) FILTER (WHERE activity_type = 'lesson') AS lesson_count,
            sum(accuracy) AS accuracy_sum,
            count(accuracy) AS accuracy_count,
            sum(score) AS score_sum,
            count(score) AS score_count,
            count(*) FILTER (WHERE completed) AS completed_count,
            count(completed) AS completable_count,
            sum(duration_s) FILTER (WHERE activity_type = 'exercise') AS exercise_seconds,
            max(level) AS max_level,
            arg_max(duration_s, timestamp) AS last_duration_s,
            {features.part} AS features
        FROM {typed}
        GROUP BY user_id, day, session_id"""
    )
    return features


def _drop_parts(cursor: duckdb.DuckDBPyConnection) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {PARTS}")
    cursor.execute(f"DROP TABLE IF EXISTS {FEATURE_NAMES}")


def _user_daily_select(features: _Features) -> str:
    """Per user and day, from PARTS: the parts' counts and sums added up."""
    return f"""
        SELECT * REPLACE ({features.day_list} AS features) FROM (
            SELECT
                user_id,
                day,
                sum(event_count) AS event_count,
                count(session_id) AS session_count,
                min(first_event_at) AS first_event_at,
                max(last_event_at) AS last_event_at,
                coalesce(sum(active_seconds), 0) AS active_seconds,
                sum(exercise_count) AS exercise_count,
                sum(lesson_count) AS lesson_count,
                coalesce(sum(accuracy_sum), 0) AS accuracy_sum,
                sum(accuracy_count) AS accuracy_count,
                coalesce(sum(score_sum), 0) AS score_sum,
                sum(score_count) AS score_count,
                sum(completed_count) AS completed_count,
                sum(completable_count) AS completable_count,
                coalesce(sum(exercise_seconds), 0) AS exercise_seconds,
                max(max_level) AS max_level,
                {features.merged} AS features
            FROM {PARTS}
            GROUP BY user_id, day
        )
    """


def _user_daily_activity_select(source: str, zone: str) -> str:
    return f"""
        SELECT user_id, {local_day_sql("timestamp", zone)} AS day, activity_type, count(*) AS event_count
        FROM {source}
        GROUP BY ALL
    """


def _sessions_select(features: _Features) -> str:
    """Per session, from PARTS (a session's parts lie on different days)."""
    return f"""
        SELECT * EXCLUDE (features), {features.session_count} AS feature_count FROM (
            SELECT
                session_id,
                user_id,
                min(first_event_at) AS started_at,
                max(last_event_at) AS ended_at,
                greatest(
                    date_diff('millisecond', min(first_event_at), max(last_event_at)) / 1000.0,
                    -- The latest part with a duration holds the latest one (arg_max skips NULLs).
                    coalesce(arg_max(last_duration_s, last_event_at), 0)
                ) AS duration_s,
                sum(event_count) AS event_count,
                sum(exercise_count) AS exercise_count,
                sum(lesson_count) AS lesson_count,
                {features.merged} AS features
            FROM {PARTS}
            WHERE session_id IS NOT NULL
            GROUP BY session_id, user_id
        )
    """


def rebuild_all(cursor: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Recompute every derived table from `events` (after a bulk load or a zone change).

    Each event's properties are parsed while summing it into PARTS; user_daily and sessions add up the
    parts, and user_daily_activity counts the events, which needs no properties.
    """
    narrow = "(SELECT user_id, timestamp, session_id, activity_type, properties FROM events)"
    cursor.execute("DELETE FROM user_daily")
    cursor.execute("DELETE FROM user_daily_activity")
    cursor.execute("DELETE FROM sessions")
    features = _create_parts(
        cursor,
        f"({_with_properties(narrow)})",
        zone,
        features_from="(SELECT json_extract_string(properties, '$.feature') AS feature FROM events)",
    )
    cursor.execute(f"INSERT INTO user_daily {_user_daily_select(features)} ORDER BY day, user_id")
    cursor.execute(
        f"INSERT INTO user_daily_activity {_user_daily_activity_select('events', zone)} ORDER BY day"
    )
    cursor.execute(f"INSERT INTO sessions {_sessions_select(features)} ORDER BY started_at")
    _drop_parts(cursor)
    set_rollup_zone(cursor, zone)


def refresh_for(cursor: duckdb.DuckDBPyConnection, changed: str, zone: str) -> None:
    """Recompute the derived rows touched by the events in table `changed` (already in `events`).

    `changed` needs user_id, timestamp and session_id columns; it is an internal temporary table.
    """
    day = local_day_sql("timestamp", zone)
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE _touched_days AS SELECT DISTINCT user_id, {day} AS day FROM {changed}"
    )
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE _touched_sessions AS "
        f"SELECT DISTINCT user_id, session_id FROM {changed} WHERE session_id IS NOT NULL"
    )
    # Events of the touched days lie within a day (plus the zone's offset) of the changed events.
    low, high = cursor.execute(f"SELECT min(timestamp), max(timestamp) FROM {changed}").fetchall()[0]
    if low is None:
        return
    day_events = f"""(
        SELECT e.* FROM events e
        SEMI JOIN _touched_days t ON e.user_id = t.user_id AND {local_day_sql("e.timestamp", zone)} = t.day
        WHERE e.timestamp BETWEEN $low::TIMESTAMP - INTERVAL 2 DAY AND $high::TIMESTAMP + INTERVAL 2 DAY
    )"""
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE _touched_day_events AS {_with_properties(day_events)}",
        {"low": low, "high": high},
    )
    cursor.execute(
        "DELETE FROM user_daily d USING _touched_days t WHERE d.user_id = t.user_id AND d.day = t.day"
    )
    cursor.execute(
        "DELETE FROM user_daily_activity d USING _touched_days t "
        "WHERE d.user_id = t.user_id AND d.day = t.day"
    )
    features = _create_parts(cursor, "_touched_day_events", zone)
    cursor.execute(f"INSERT INTO user_daily {_user_daily_select(features)}")
    cursor.execute(
        f"INSERT INTO user_daily_activity {_user_daily_activity_select('_touched_day_events', zone)}"
    )
    # A touched session's older events lie between its stored start and end, so bound the scan by them.
    session_low, session_high = cursor.execute(
        """SELECT least(?::TIMESTAMP, min(s.started_at)), greatest(?::TIMESTAMP, max(s.ended_at))
           FROM sessions s SEMI JOIN _touched_sessions t
           ON s.user_id = t.user_id AND s.session_id = t.session_id""",
        [low, high],
    ).fetchall()[0]
    cursor.execute(
        "DELETE FROM sessions s USING _touched_sessions t "
        "WHERE s.user_id = t.user_id AND s.session_id = t.session_id"
    )
    session_events = """(
        SELECT e.* FROM events e
        SEMI JOIN _touched_sessions t ON e.user_id = t.user_id AND e.session_id = t.session_id
        WHERE e.timestamp BETWEEN ? AND ?
    )"""
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE _touched_session_events AS {_with_properties(session_events)}",
        [session_low, session_high],
    )
    features = _create_parts(cursor, "_touched_session_events", zone)
    cursor.execute(f"INSERT INTO sessions {_sessions_select(features)}")
    for name in ("_touched_day_events", "_touched_session_events", "_touched_days", "_touched_sessions"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    _drop_parts(cursor)


def rollup_zone(cursor: duckdb.DuckDBPyConnection) -> str | None:
    """The reporting zone the rollups were built in, or None if they were never built."""
    found = cursor.execute("SELECT value FROM meta WHERE key = ?", [ROLLUP_ZONE_KEY]).fetchall()
    return found[0][0] if found else None


def set_rollup_zone(cursor: duckdb.DuckDBPyConnection, zone: str) -> None:
    cursor.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [ROLLUP_ZONE_KEY, zone],
    )
