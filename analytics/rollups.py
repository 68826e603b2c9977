"""Derived tables kept in step with `events`: sessions, user_daily and user_daily_activity.

Dashboards read these (hundreds of thousands of rows) instead of raw events (millions). They are rebuilt
in full after a bulk load and refreshed for just the touched users, days and sessions after an import or
a tracking call, inside the same transaction as the new events.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from analytics.errors import AnalyticsError

ROLLUP_ZONE_KEY = "rollup_timezone"
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def checked_zone(zone: str) -> str:
    """Return `zone` if it is a known IANA time zone name, else raise AnalyticsError."""
    try:
        if not _ZONE_NAME.match(zone):
            raise ZoneInfoNotFoundError(zone)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AnalyticsError(
            f"The time zone must be an IANA name such as 'UTC' or 'Europe/Berlin'. Got {zone!r}."
        ) from exc
    return zone


def local_day_sql(column: str, zone: str) -> str:
    """SQL for the reporting-zone calendar day of a UTC `column` (an internal column name)."""
    zone = checked_zone(zone)
    return f"CAST(timezone('{zone}', {column} AT TIME ZONE 'UTC') AS DATE)"


def _typed(source: str) -> str:
    """Events of `source` with the properties rollups use, parsed once per event (not once per use)."""
    return f"""(
        SELECT user_id, timestamp, session_id, activity_type,
               TRY_CAST(v[1] AS DOUBLE) AS duration_s,
               TRY_CAST(v[2] AS DOUBLE) AS accuracy,
               TRY_CAST(v[3] AS DOUBLE) AS score,
               TRY_CAST(v[4] AS BOOLEAN) AS completed,
               TRY_CAST(v[5] AS INTEGER) AS level,
               v[6] AS feature
        FROM (
            SELECT *, json_extract_string(
                properties, ['$.duration_s', '$.accuracy', '$.score', '$.completed', '$.level', '$.feature']
            ) AS v
            FROM {source}
        )
    )"""


def _user_daily_select(source: str, zone: str) -> str:
    day = local_day_sql("timestamp", zone)
    return f"""
        SELECT
            user_id,
            {day} AS day,
            count(*) AS event_count,
            count(DISTINCT session_id) AS session_count,
            min(timestamp) AS first_event_at,
            max(timestamp) AS last_event_at,
            coalesce(sum(duration_s), 0) AS active_seconds,
            count(*) FILTER (WHERE activity_type = 'exercise') AS exercise_count,
            count(*) FILTER (WHERE activity_type = 'lesson') AS lesson_count,
            coalesce(sum(accuracy), 0) AS accuracy_sum,
            count(accuracy) AS accuracy_count,
            coalesce(sum(score), 0) AS score_sum,
            count(score) AS score_count,
            count(*) FILTER (WHERE completed) AS completed_count,
            count(completed) AS completable_count,
            coalesce(sum(duration_s) FILTER (WHERE activity_type = 'exercise'), 0) AS exercise_seconds,
            max(level) AS max_level,
            coalesce(list_sort(list_distinct(list(feature))), []) AS features
        FROM {_typed(source)}
        GROUP BY ALL
    """


def _user_daily_activity_select(source: str, zone: str) -> str:
    return f"""
        SELECT user_id, {local_day_sql("timestamp", zone)} AS day, activity_type, count(*) AS event_count
        FROM {source}
        GROUP BY ALL
    """


def _sessions_select(source: str) -> str:
    return f"""
        SELECT
            session_id,
            user_id,
            min(timestamp) AS started_at,
            max(timestamp) AS ended_at,
            greatest(
                date_diff('millisecond', min(timestamp), max(timestamp)) / 1000.0,
                coalesce(arg_max(duration_s, timestamp), 0)
            ) AS duration_s,
            count(*) AS event_count,
            count(*) FILTER (WHERE activity_type = 'exercise') AS exercise_count,
            count(*) FILTER (WHERE activity_type = 'lesson') AS lesson_count,
            count(DISTINCT feature) AS feature_count
        FROM {_typed(source)}
        WHERE session_id IS NOT NULL
        GROUP BY session_id, user_id
    """


def rebuild_all(cursor: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Recompute every derived table from `events` (after a bulk load or a zone change)."""
    cursor.execute("DELETE FROM user_daily")
    cursor.execute("DELETE FROM user_daily_activity")
    cursor.execute("DELETE FROM sessions")
    cursor.execute(f"INSERT INTO user_daily {_user_daily_select('events', zone)} ORDER BY day, user_id")
    cursor.execute(
        f"INSERT INTO user_daily_activity {_user_daily_activity_select('events', zone)} ORDER BY day"
    )
    cursor.execute(f"INSERT INTO sessions {_sessions_select('events')} ORDER BY started_at")
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
    cursor.execute(
        f"""CREATE OR REPLACE TEMP TABLE _touched_day_events AS
            SELECT e.* FROM events e
            SEMI JOIN _touched_days t ON e.user_id = t.user_id AND {local_day_sql("e.timestamp", zone)} = t.day
            WHERE e.timestamp BETWEEN ?::TIMESTAMP - INTERVAL 2 DAY AND ?::TIMESTAMP + INTERVAL 2 DAY""",
        [low, high],
    )
    cursor.execute(
        "DELETE FROM user_daily d USING _touched_days t WHERE d.user_id = t.user_id AND d.day = t.day"
    )
    cursor.execute(
        "DELETE FROM user_daily_activity d USING _touched_days t "
        "WHERE d.user_id = t.user_id AND d.day = t.day"
    )
    cursor.execute(f"INSERT INTO user_daily {_user_daily_select('_touched_day_events', zone)}")
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
    cursor.execute(
        """CREATE OR REPLACE TEMP TABLE _touched_session_events AS
           SELECT e.* FROM events e
           SEMI JOIN _touched_sessions t ON e.user_id = t.user_id AND e.session_id = t.session_id
           WHERE e.timestamp BETWEEN ? AND ?""",
        [session_low, session_high],
    )
    cursor.execute(f"INSERT INTO sessions {_sessions_select('_touched_session_events')}")
    for name in ("_touched_day_events", "_touched_session_events", "_touched_days", "_touched_sessions"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def rollup_zone(cursor: duckdb.DuckDBPyConnection) -> str | None:
    """The reporting zone the rollups were built in, or None if they were never built."""
    found = cursor.execute("SELECT value FROM meta WHERE key = ?", [ROLLUP_ZONE_KEY]).fetchall()
    return found[0][0] if found else None


def set_rollup_zone(cursor: duckdb.DuckDBPyConnection, zone: str) -> None:
    cursor.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [ROLLUP_ZONE_KEY, zone],
    )
