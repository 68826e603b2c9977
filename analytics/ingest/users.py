"""The write of staged users, inside the caller's transaction: new users inserted, known ones updated.

The last row of a user in the input wins. A field left empty keeps the stored value; attributes are
merged into the stored ones (a key set to null removes it). Unchanged users are not written at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics.ingest.stage import STAGED

LATEST = "_ingest_users"
_PLAIN = ("display_name", "email", "signup_at", "plan", "country", "platform", "consent_analytics")
_MERGED_ATTRIBUTES = "json_merge_patch(coalesce(u.attributes, '{}'), s.attributes)"


@dataclass(frozen=True)
class UpsertCounts:
    """What happened to the staged users."""

    created: int
    updated: int
    duplicates: int


def upsert_users(cursor: duckdb.DuckDBPyConnection, *, rows: int, consent_default: bool) -> UpsertCounts:
    """Insert users not yet stored and update the stored ones whose values change."""
    unique = cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE {LATEST} AS SELECT * FROM {STAGED} "
        "QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY _file DESC, _row DESC) = 1"
    ).fetchall()[0][0]
    assignments = ", ".join(f"{name} = coalesce(s.{name}, u.{name})" for name in _PLAIN)
    changes = " OR ".join(f"coalesce(s.{name}, u.{name}) IS DISTINCT FROM u.{name}" for name in _PLAIN)
    updated = cursor.execute(
        f"""UPDATE users u SET {assignments},
                attributes = CASE WHEN s.attributes IS NULL THEN u.attributes ELSE {_MERGED_ATTRIBUTES} END
            FROM {LATEST} s
            WHERE u.user_id = s.user_id AND ({changes}
                OR (s.attributes IS NOT NULL
                    AND CAST({_MERGED_ATTRIBUTES} AS VARCHAR) IS DISTINCT FROM CAST(u.attributes AS VARCHAR)))"""
    ).fetchall()[0][0]
    created = cursor.execute(
        f"""INSERT INTO users (user_id, {", ".join(_PLAIN)}, attributes)
            SELECT user_id, {", ".join(_PLAIN[:-1])}, coalesce(consent_analytics, ?),
                CASE WHEN attributes IS NOT NULL THEN json_merge_patch('{{}}', attributes) END
            FROM {LATEST} WHERE user_id NOT IN (SELECT user_id FROM users)""",
        [consent_default],
    ).fetchall()[0][0]
    return UpsertCounts(created=created, updated=updated, duplicates=rows - unique)
