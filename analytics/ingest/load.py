"""The write of staged events, inside the caller's transaction: consent, duplicates, users, sessions,
events and rollups. Rows not stored are listed in `_ingest_skipped` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from analytics import rollups
from analytics.ingest import small_load
from analytics.ingest.queue import enqueue
from analytics.ingest.sessionize import find_sessions, sessionized_select
from analytics.ingest.stage import EVENT_COLUMNS, GIVEN_ID, STAGED
from analytics.ingest.stored_facts import StoredFacts

SKIPPED = "_ingest_skipped"
NEW = "_ingest_new"
CONSENT = "consent"
DUPLICATE = "duplicate"


class RollupsLockNeeded(Exception):
    """The load must write the rollups, but its transaction does not hold their lock: roll it back and
    write again holding it."""


@dataclass(frozen=True)
class LoadCounts:
    """What happened to the staged events."""

    added: int
    duplicates: int
    skipped_consent: int
    users_created: int
    outcome: list[tuple[str, str | None]] | None = None
    """Per staged row in (_file, _row) order, its event_id and skip reason, when not left in `_ingest_skipped`."""


def load_events(
    cursor: duckdb.DuckDBPyConnection,
    *,
    rows: int,
    zone: str,
    gap_minutes: int,
    consent_default: bool,
    progress: Callable[[str], None],
    queue_rollups: bool = False,
    rollups_locked: bool = True,
) -> LoadCounts:
    """Store the staged events that are new and consented to, create unknown users, refresh rollups.

    Rollups are rebuilt when the new events outnumber the stored ones (or were built in another zone),
    else refreshed for the touched rows, or with `queue_rollups` left for `drain_rollup_queue`. A few
    rows with queued rollups are written by analytics.ingest.small_load, with the same outcome.
    In a transaction without the rollups lock (`rollups_locked=False`), a load that would write the
    rollups raises RollupsLockNeeded before storing anything.
    """
    if queue_rollups and 0 < rows <= small_load.SMALL_ROWS:
        counts = load_few(
            cursor,
            small_load.staged_rows(cursor),
            gap_minutes=gap_minutes,
            zone=zone,
            consent_default=consent_default,
        )
        if counts is not None:
            progress(f"stored {counts.added:,} events; rollups queued")
            return counts
    stored_before = cursor.execute("SELECT count(*) FROM events").fetchall()[0][0]
    users_created = _one(
        cursor,
        "INSERT INTO users (user_id, consent_analytics) "
        f"SELECT DISTINCT user_id, ? FROM {STAGED} WHERE user_id NOT IN (SELECT user_id FROM users)",
        [consent_default],
    )
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE {SKIPPED} (_file INTEGER, _row BIGINT, reason VARCHAR)")
    skipped_consent = _one(
        cursor,
        f"INSERT INTO {SKIPPED} SELECT _file, _row, ? FROM {STAGED} "
        "WHERE user_id IN (SELECT user_id FROM users WHERE NOT consent_analytics)",
        [CONSENT],
    )
    duplicates = _skip_duplicates(cursor, rows, stored_before)
    progress(
        f"users created: {users_created:,}; skipped: {duplicates:,} duplicates, "
        f"{skipped_consent:,} of users who withdrew consent"
    )
    fresh_rows = rows - duplicates - skipped_consent
    if fresh_rows:
        fresh = (
            f"(SELECT * FROM {STAGED} ANTI JOIN {SKIPPED} USING (_file, _row))"
            if rows > fresh_rows
            else STAGED
        )
        rebuild = fresh_rows >= stored_before or rollups.rollup_zone(cursor) != zone
        if not rollups_locked and (rebuild or not queue_rollups):
            raise RollupsLockNeeded
        _insert(cursor, fresh, fresh_rows, gap_minutes, keep=not rebuild)
        progress(f"stored {fresh_rows:,} events")
        if rebuild:
            rollups.rebuild_all(cursor, zone)
            cursor.execute("DELETE FROM rollup_queue")
        elif queue_rollups:
            enqueue(cursor, NEW)
        else:
            rollups.refresh_for(cursor, NEW, zone)
        progress("rollups " + ("rebuilt" if rebuild else "queued" if queue_rollups else "refreshed"))
    return LoadCounts(fresh_rows, duplicates, skipped_consent, users_created)


def load_few(
    cursor: duckdb.DuckDBPyConnection,
    rows: list[small_load.Row],
    *,
    zone: str,
    gap_minutes: int,
    consent_default: bool,
    plain: dict[str, list[Any]] | None = None,
    facts: StoredFacts | None = None,
) -> LoadCounts | None:
    """Store a few rows (staged, or the plain records `plain`) with rollups queued, as load_events would;
    None, with nothing written, when the rollups must be rebuilt instead.

    With `facts` the write is decided from them and moves them on.
    """
    small = small_load.decide(
        cursor,
        rows,
        zone=zone,
        gap_minutes=gap_minutes,
        consent_default=consent_default,
        consent_reason=CONSENT,
        duplicate_reason=DUPLICATE,
        facts=facts,
    )
    if small is None:
        return None
    small_load.write(cursor, small, consent_default=consent_default, plain=plain)
    if facts is not None:
        stored = zip(small.rows, small.reasons, small.sessions, strict=True)
        facts.learn(
            small.new_users,
            consent_default,
            [
                (row.event_id, row.user_id, row.timestamp, session)
                for row, reason, session in stored
                if reason is None
            ],
        )
    return LoadCounts(
        added=small.reasons.count(None),
        duplicates=small.reasons.count(DUPLICATE),
        skipped_consent=small.reasons.count(CONSENT),
        users_created=len(small.new_users),
        outcome=[(row.event_id, reason) for row, reason in zip(small.rows, small.reasons, strict=True)],
    )


def _skip_duplicates(cursor: duckdb.DuckDBPyConnection, rows: int, stored_before: int) -> int:
    """Mark as skipped the repeats of an event_id within the input and the events already stored."""
    found = 0
    # Distinct hashes prove distinct ids; equal hashes get the exact check. Sorted, a repeat sits next to
    # its twin: cheaper to find than counting distinct hashes (0.9 against 1.2 s of CPU for 10M rows).
    repeats = (
        "SELECT count(*) FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous "
        f"FROM (SELECT hash(event_id) AS h FROM {STAGED})) WHERE h = previous"
    )
    if rows > 1 and cursor.execute(repeats).fetchall()[0][0]:
        found += _one(
            cursor,
            f"INSERT INTO {SKIPPED} SELECT _file, _row, ? FROM {STAGED} ANTI JOIN {SKIPPED} USING (_file, _row) "
            "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _file, _row) > 1",
            [DUPLICATE],
        )
    if stored_before:
        # A derived id hashes the timestamp, so its stored twin has the same timestamp: matching on it too
        # lets DuckDB skip row groups by their time range instead of scanning every stored event_id.
        for given, key in ((False, "event_id, timestamp"), (True, "event_id")):
            found += _one(
                cursor,
                f"INSERT INTO {SKIPPED} SELECT _file, _row, ? FROM {STAGED} "
                f"SEMI JOIN events USING ({key}) ANTI JOIN {SKIPPED} USING (_file, _row) WHERE {GIVEN_ID} = ?",
                [DUPLICATE, given],
            )
    return found


def _insert(
    cursor: duckdb.DuckDBPyConnection, fresh: str, expected: int, gap_minutes: int, *, keep: bool
) -> None:
    """Insert the fresh rows with sessions derived where missing; keep them in `_ingest_new` if asked."""
    without_session, with_session = cursor.execute(
        f"SELECT count(*) FILTER (WHERE session_id IS NULL), count(session_id) FROM {fresh}"
    ).fetchall()[0]
    parts = []
    if without_session:
        unsessioned = f"(SELECT * FROM {fresh} WHERE session_id IS NULL)"
        find_sessions(cursor, unsessioned, gap_minutes)
        parts.append(sessionized_select(unsessioned))
    if with_session:
        parts.append(f"SELECT * FROM {fresh} WHERE session_id IS NOT NULL")
    rows = " UNION ALL BY NAME ".join(f"({part})" for part in parts)
    select = f"SELECT {EVENT_COLUMNS}, now() AT TIME ZONE 'UTC' AS ingested_at FROM ({rows})"
    if keep:
        cursor.execute(f"CREATE OR REPLACE TEMP TABLE {NEW} AS {select}")
        select = f"SELECT * FROM {NEW}"
    inserted = cursor.execute(f"INSERT INTO events ({EVENT_COLUMNS}, ingested_at) {select}").fetchall()[0][0]
    if inserted != expected:
        raise RuntimeError(f"Import stopped: {inserted:,} events would be stored instead of {expected:,}.")


def _one(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> int:
    return cursor.execute(sql, params).fetchall()[0][0]
