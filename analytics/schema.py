"""Ibis table expressions for Pulse's tables, declared without a connection.

Analytics functions build queries on these; `Database.run` executes them on whatever backend is
configured. `analysable()` applies the consent rule: users who withdrew consent are left out.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

USERS = ibis.table(
    {
        "user_id": "string",
        "display_name": "string",
        "email": "string",
        "signup_at": "timestamp",
        "plan": "string",
        "country": "string",
        "platform": "string",
        "consent_analytics": "boolean",
        "attributes": "json",
        "created_at": "timestamp",
    },
    name="users",
)

EVENTS = ibis.table(
    {
        "event_id": "string",
        "user_id": "string",
        "activity_type": "string",
        "timestamp": "timestamp",
        "session_id": "string",
        "properties": "json",
        "ip_address": "string",
        "user_agent": "string",
        "country": "string",
        "city": "string",
        "ingested_at": "timestamp",
    },
    name="events",
)

SESSIONS = ibis.table(
    {
        "session_id": "string",
        "user_id": "string",
        "started_at": "timestamp",
        "ended_at": "timestamp",
        "duration_s": "float64",
        "event_count": "int32",
        "exercise_count": "int32",
        "lesson_count": "int32",
        "feature_count": "int32",
    },
    name="sessions",
)

USER_DAILY = ibis.table(
    {
        "user_id": "string",
        "day": "date",
        "event_count": "int32",
        "session_count": "int32",
        "first_event_at": "timestamp",
        "last_event_at": "timestamp",
        "active_seconds": "float64",
        "exercise_count": "int32",
        "lesson_count": "int32",
        "accuracy_sum": "float64",
        "accuracy_count": "int32",
        "score_sum": "float64",
        "score_count": "int32",
        "completed_count": "int32",
        "completable_count": "int32",
        "exercise_seconds": "float64",
        "max_level": "int32",
        "features": "array<string>",
    },
    name="user_daily",
)

USER_DAILY_ACTIVITY = ibis.table(
    {"user_id": "string", "day": "date", "activity_type": "string", "event_count": "int32"},
    name="user_daily_activity",
)


def analysable(table: ir.Table) -> ir.Table:
    """Rows of `table` (which has user_id) about users who have not withdrawn consent."""
    withdrawn = USERS.filter(~USERS.consent_analytics).select("user_id")
    return table.anti_join(withdrawn, "user_id")
