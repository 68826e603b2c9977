"""Sessions for events that arrive without a session_id: a new session after a gap of inactivity.

Per user, events in time order share a session until one comes more than `gap_minutes` after the
previous one. A derived session id is md5 of the user and the session's first event time, so deriving
again gives the same id. An event within the gap after the user's latest stored event (with a session)
continues that stored session; events older than it only form sessions among themselves.

Sessions are found on the narrow (user, time) columns only, then attached to the wide event rows with
an equality join on (user, UTC day) that checks the session's time range: the small session table is
the join's build side and the events stream past it, so inputs larger than memory never sit in RAM.
"""

from __future__ import annotations

import duckdb

SPANS = "_ingest_session_days"


def find_sessions(cursor: duckdb.DuckDBPyConnection, rows: str, gap_minutes: int) -> None:
    """Fill `_ingest_session_days`: per session and UTC day it touches, its id and [started_at, ended_at]."""
    gap = int(gap_minutes)
    cursor.execute(
        f"""CREATE OR REPLACE TEMP TABLE {SPANS} AS
        WITH user_keys AS (
            -- Sorting on a small integer per user instead of its text id makes the window 20-30% cheaper.
            SELECT user_id, row_number() OVER () AS user_key FROM (SELECT DISTINCT user_id FROM {rows})
        ),
        timeline AS (
            SELECT user_key, timestamp, CAST(NULL AS VARCHAR) AS session_id, false AS _anchor
            FROM {rows} JOIN user_keys USING (user_id)
            UNION ALL
            -- Each user's latest stored event: new events within the gap after it continue its session.
            SELECT user_key, max(timestamp), arg_max(session_id, timestamp), true
            FROM events JOIN user_keys USING (user_id)
            WHERE session_id IS NOT NULL
            GROUP BY user_key
        ),
        marked AS (
            SELECT
                *,
                lag(timestamp) OVER by_time AS _previous,
                max(timestamp) FILTER (WHERE NOT _anchor) OVER (PARTITION BY user_key) AS _user_last
            FROM timeline
            WINDOW by_time AS (PARTITION BY user_key ORDER BY timestamp, _anchor DESC)
        ),
        starts AS (
            SELECT
                user_key,
                timestamp AS started_at,
                -- A session ends with the event just before the next session's start, else the user's last.
                coalesce(
                    lead(_previous) OVER (PARTITION BY user_key ORDER BY timestamp, _anchor DESC), _user_last
                ) AS ended_at,
                _anchor,
                session_id
            FROM marked
            WHERE _anchor OR _previous IS NULL OR timestamp - _previous > INTERVAL {gap} MINUTE
        ),
        spans AS (
            SELECT
                user_id,
                started_at,
                ended_at,
                CASE WHEN _anchor THEN session_id ELSE md5(concat(user_id, chr(31), epoch_us(started_at))) END
                    AS session_id
            FROM starts JOIN user_keys USING (user_key)
        )
        SELECT *, CAST(unnest(range(CAST(started_at AS DATE), CAST(ended_at AS DATE) + 1, INTERVAL 1 DAY)) AS DATE)
            AS day
        FROM spans"""
    )


def sessionized_select(rows: str) -> str:
    """SELECT of the rows of `rows` with session_id set from `_ingest_session_days` (one match each)."""
    return f"""
        SELECT r.* REPLACE (s.session_id AS session_id)
        FROM {rows} r JOIN {SPANS} s
            ON r.user_id = s.user_id AND CAST(r.timestamp AS DATE) = s.day
            AND r.timestamp BETWEEN s.started_at AND s.ended_at
    """
