"""The write of up to SMALL_ROWS events (a tracking call or a group of them) in a handful of statements.

`load.load_events` spends about twenty statements on any input, each with a fixed cost of planning
(0.3-6 ms), which made a 16-event write cost about 19 ms of CPU. For a few events the same decisions
are made here in Python, on values read in two statements: the users' consent and latest stored
session (with the number of stored events and the rollups' zone), and which of the ids are stored.
Tracking writes take both from the facts kept between them (stored_facts), which read only what they
do not know yet. Then the new users, events and queued rollup rows are written. Plain records
(plain_events) are not even staged: their values are known already. The rules are load.py's and
sessionize.py's, applied in the same order: consent first, then repeats within the input (the first
one is kept), then events already stored (by event_id, or by event_id and timestamp for derived ids);
sessions per user continue the latest stored one within the gap and start anew after it, with the same
derived ids."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from analytics.ingest.stage import EVENT_COLUMNS, GIVEN_ID, STAGED
from analytics.ingest.stored_facts import StoredFacts
from analytics.rollups import ROLLUP_ZONE_KEY

SMALL_ROWS = 3_000
"""Inputs up to this many rows are written here; larger ones by load.load_events's set-based SQL.

Tracking calls are grouped up to this many events (a larger call is written alone), so every group of
them is written here. Two 1,000-event batches share a write with the single events waiting meanwhile:
here a group costs less than the set-based SQL (mixed load test: batches and single events 15-25%
faster than with 64), while batches of 10,000 are faster there (46,000 against 33,000 events/s).
With 2,000 a group held one batch and the single events: two batch clients and 48 single-event
clients beside 20 UI sessions got 21,914 events/s and 725 requests/s, against 28,459 and 836 with
3,000 (60-s runs, docs/reliability.md)."""
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_PLAIN_COLUMNS = EVENT_COLUMNS.split(", ")
_MICROSECONDS = pa.timestamp("us")
_FRESH_SCHEMA = pa.schema(
    [(name, _MICROSECONDS if name == "timestamp" else pa.string()) for name in _PLAIN_COLUMNS]
)
_INSERT_FRESH_EVENTS = (
    f"INSERT INTO events ({EVENT_COLUMNS}, ingested_at) "
    "SELECT * REPLACE (CAST(properties AS JSON) AS properties), now() AT TIME ZONE 'UTC' FROM fresh_events"
)
"""Plain records are inserted as stage_plain would have staged them (properties cast to JSON)."""
_QUEUE_ROWS = "INSERT INTO rollup_queue SELECT *, now() AT TIME ZONE 'UTC' FROM queued_rows"
"""Both statements read a local Arrow table of `write` by its name (DuckDB's replacement scan). Arrow
converts the values in C: lists as parameters held the GIL for 3.5 us an event, and the two inserts of
1,000 events took 24 ms from lists against 12-18 ms from Arrow while another thread kept the GIL busy.
Registering the tables would cost statements of their own, each waiting for the GIL again."""


@dataclass(slots=True)
class Row:
    """What the decisions need of an event to store: where it came from, its keys and given session.

    Not frozen: a frozen dataclass is made five times slower (0.6 against 0.12 us), and a tracking
    write makes one per event.
    """

    file: int
    row: int
    event_id: str
    user_id: str
    timestamp: datetime
    session_id: str | None
    given_id: bool


@dataclass(frozen=True)
class SmallLoad:
    """What `decide` found: each row's skip reason (None when stored) and session, and the new users."""

    rows: list[Row]
    reasons: list[str | None]
    sessions: list[str | None]
    new_users: list[str]


@dataclass(frozen=True)
class _Found:
    """What the stored tables say about the rows: their users' consent (stored users only) and latest
    stored event with a session (time and session id, when it may matter), the number of stored events,
    the rollups' zone, and which given event_ids are stored."""

    consent: dict[str, bool]
    anchors: dict[str, tuple[datetime, str]]
    stored_before: int
    rollup_zone: str | None
    stored_given: set[str]


def staged_rows(cursor: duckdb.DuckDBPyConnection) -> list[Row]:
    """The rows of the staging table, in (_file, _row) order."""
    found = cursor.execute(
        f"SELECT _file, _row, event_id, user_id, timestamp, session_id, {GIVEN_ID} FROM {STAGED} "
        "ORDER BY _file, _row"
    ).fetchall()
    return [Row(*values) for values in found]


def plain_rows(plain: dict[str, list[Any]]) -> list[Row]:
    """The rows of plain records (analytics.ingest.plain_events.plain_columns), all with given ids."""
    return [
        Row(0, row, event_id, user_id, timestamp, session_id, True)
        for row, event_id, user_id, timestamp, session_id in zip(
            plain["_row"],
            plain["event_id"],
            plain["user_id"],
            plain["timestamp"],
            plain["session_id"],
            strict=True,
        )
    ]


def decide(
    cursor: duckdb.DuckDBPyConnection,
    rows: list[Row],
    *,
    zone: str,
    gap_minutes: int,
    consent_default: bool,
    consent_reason: str,
    duplicate_reason: str,
    facts: StoredFacts | None = None,
) -> SmallLoad | None:
    """Read what the write of `rows` needs and decide it, writing nothing; None when rollups must be rebuilt.

    With `facts`, what they know is not read again.
    """
    gap = timedelta(minutes=int(gap_minutes))
    found = _users(cursor, rows, gap) if facts is None else _known(cursor, rows, gap, facts)
    new_users = [user for user in dict.fromkeys(row.user_id for row in rows) if user not in found.consent]
    reasons: list[str | None] = [
        consent_reason if not found.consent.get(row.user_id, consent_default) else None for row in rows
    ]
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if reasons[index] is None:
            if row.event_id in seen:
                reasons[index] = duplicate_reason
            seen.add(row.event_id)
    if found.stored_before:
        derived = _stored_derived(
            cursor, [row for row, reason in zip(rows, reasons, strict=True) if reason is None]
        )
        for index, row in enumerate(rows):
            stored = (
                row.event_id in found.stored_given
                if row.given_id
                else (row.event_id, row.timestamp) in derived
            )
            if reasons[index] is None and stored:
                reasons[index] = duplicate_reason
    fresh = sum(reason is None for reason in reasons)
    if fresh and (fresh >= found.stored_before or found.rollup_zone != zone):
        return None
    sessions = _sessions(rows, reasons, found.anchors, gap)
    return SmallLoad(rows, reasons, sessions, new_users)


def write(
    cursor: duckdb.DuckDBPyConnection,
    load: SmallLoad,
    *,
    consent_default: bool,
    plain: dict[str, list[Any]] | None = None,
) -> None:
    """Store the decided load: new users, fresh events with their sessions, queued rollup rows.

    The events' other fields come from `plain` (the records of `plain_rows`) if given, else from staging.
    """
    if load.new_users:
        cursor.execute(
            "INSERT INTO users (user_id, consent_analytics) SELECT unnest(?::VARCHAR[]), ?",
            [load.new_users, consent_default],
        )
    fresh = [
        (row, session)
        for row, reason, session in zip(load.rows, load.reasons, load.sessions, strict=True)
        if reason is None
    ]
    if not fresh:
        return
    queued_rows = pa.table(  # noqa: F841 - read by _QUEUE_ROWS
        {
            "user_id": [row.user_id for row, _ in fresh],
            "timestamp": pa.array([row.timestamp for row, _ in fresh], _MICROSECONDS),
            "session_id": pa.array([session for _, session in fresh], pa.string()),
        }
    )
    if plain is None:
        _insert_staged(cursor, fresh)
    else:
        fresh_events = _fresh_events(fresh, plain)  # noqa: F841 - read by _INSERT_FRESH_EVENTS
        cursor.execute(_INSERT_FRESH_EVENTS)
    cursor.execute(_QUEUE_ROWS)


def _insert_staged(cursor: duckdb.DuckDBPyConnection, fresh: list[tuple[Row, str | None]]) -> None:
    """Insert the fresh staged rows with their sessions."""
    cursor.execute(
        f"INSERT INTO events ({EVENT_COLUMNS}, ingested_at) "
        "SELECT s.* EXCLUDE (_file, _row) REPLACE (f.session_id AS session_id), now() AT TIME ZONE 'UTC' "
        f"FROM (SELECT _file, _row, {EVENT_COLUMNS} FROM {STAGED}) s "
        "JOIN (SELECT unnest(?::INTEGER[]) AS _file, unnest(?::BIGINT[]) AS _row, "
        "unnest(?::VARCHAR[]) AS session_id) f USING (_file, _row)",
        [[row.file for row, _ in fresh], [row.row for row, _ in fresh], [session for _, session in fresh]],
    )


def _fresh_events(fresh: list[tuple[Row, str | None]], plain: dict[str, list[Any]]) -> pa.Table:
    """The fresh plain records with their sessions, as _INSERT_FRESH_EVENTS reads them."""
    if len(fresh) == len(plain["_row"]):  # all of them, in order: the columns as they are
        columns = {name: plain[name] for name in _PLAIN_COLUMNS}
    else:
        kept = [row.row for row, _ in fresh]
        columns = {name: [plain[name][index] for index in kept] for name in _PLAIN_COLUMNS}
    columns["session_id"] = [session for _, session in fresh]
    return pa.table(columns, schema=_FRESH_SCHEMA)


def _known(cursor: duckdb.DuckDBPyConnection, rows: list[Row], gap: timedelta, facts: StoredFacts) -> _Found:
    """What `facts` say about `rows`, as `_users` would read it (they read what they do not know yet)."""
    users = list(dict.fromkeys(row.user_id for row in rows))
    facts.read(cursor, users)
    unsessioned = [row for row in rows if row.session_id is None]
    anchors = {}
    if unsessioned:
        # As _users: a latest event more than the gap before every new one without a session is no anchor.
        after = min(row.timestamp for row in unsessioned) - gap
        for row in unsessioned:
            latest = facts.latest[row.user_id]
            if latest is not None and latest[0] >= after:
                anchors[row.user_id] = latest
    return _Found(
        consent={user: facts.consent[user] for user in users if facts.consent[user] is not None},
        anchors=anchors,
        stored_before=facts.events,
        rollup_zone=facts.rollup_zone,
        stored_given=facts.stored_ids(cursor, [row.event_id for row in rows if row.given_id]),
    )


def _users(cursor: duckdb.DuckDBPyConnection, rows: list[Row], gap: timedelta) -> _Found:
    """What the stored tables say about `rows`, in one statement."""
    unsessioned = [row for row in rows if row.session_id is None]
    # A stored event more than the gap before every new event without a session cannot continue or
    # split a session of theirs, so the latest one is looked for only after that time.
    after = min(row.timestamp for row in unsessioned) - gap if unsessioned else None
    found = cursor.execute(
        """WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS user_id),
        anchors AS (
            SELECT user_id, max(timestamp) AS last_at, arg_max(session_id, timestamp) AS session_id
            FROM events
            WHERE session_id IS NOT NULL AND timestamp >= ? AND user_id IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY user_id
        )
        SELECT w.user_id, u.consent_analytics, a.last_at, a.session_id,
            (SELECT count(*) FROM events), (SELECT value FROM meta WHERE key = ?),
            (SELECT list(DISTINCT event_id) FROM events WHERE event_id IN (SELECT unnest(?::VARCHAR[])))
        FROM wanted w LEFT JOIN users u USING (user_id) LEFT JOIN anchors a USING (user_id)""",
        [
            list(dict.fromkeys(row.user_id for row in rows)),
            after,
            list(dict.fromkeys(row.user_id for row in unsessioned)),
            ROLLUP_ZONE_KEY,
            [row.event_id for row in rows if row.given_id],
        ],
    ).fetchall()
    return _Found(
        consent={user: allowed for user, allowed, *_ in found if allowed is not None},
        anchors={user: (last_at, session) for user, _, last_at, session, *_ in found if last_at is not None},
        stored_before=found[0][4],
        rollup_zone=found[0][5],
        stored_given=set(found[0][6] or ()),
    )


def _stored_derived(cursor: duckdb.DuckDBPyConnection, rows: list[Row]) -> set[tuple[str, datetime]]:
    """(event_id, timestamp) of the rows with derived ids that are stored already."""
    derived = [row for row in rows if not row.given_id]
    if not derived:
        return set()
    # A derived id hashes the timestamp: bounding the time lets DuckDB skip row groups by their range.
    return set(
        cursor.execute(
            "SELECT DISTINCT event_id, timestamp FROM events WHERE timestamp BETWEEN ? AND ? "
            "AND event_id IN (SELECT unnest(?::VARCHAR[]))",
            [
                min(row.timestamp for row in derived),
                max(row.timestamp for row in derived),
                [row.event_id for row in derived],
            ],
        ).fetchall()
    )


def _sessions(
    rows: list[Row],
    reasons: list[str | None],
    anchors: dict[str, tuple[datetime, str]],
    gap: timedelta,
) -> list[str | None]:
    """Each row's session: its own, else as sessionize.find_sessions derives it (None for skipped rows)."""
    sessions: list[str | None] = [
        row.session_id if reason is None else None for row, reason in zip(rows, reasons, strict=True)
    ]
    by_user: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if reasons[index] is None and row.session_id is None:
            by_user[row.user_id].append(index)
    for user, indices in by_user.items():
        # The stored anchor sorts before a new event at the same time, as in find_sessions.
        timeline: list[tuple[datetime, int, int | None]] = [(rows[i].timestamp, 1, i) for i in indices]
        if user in anchors:
            timeline.append((anchors[user][0], 0, None))
        timeline.sort(key=lambda item: item[:2])
        previous: datetime | None = None
        current = None
        for timestamp, _, index in timeline:
            if index is None:
                current = anchors[user][1]
            elif previous is None or timestamp - previous > gap:
                current = _session_id(user, timestamp)
            if index is not None:
                sessions[index] = current
            previous = timestamp
    return sessions


def _session_id(user_id: str, started_at: datetime) -> str:
    """md5(concat(user_id, chr(31), epoch_us(started_at))), as find_sessions derives it."""
    micros = (started_at - _EPOCH) // _MICROSECOND
    return hashlib.md5(f"{user_id}\x1f{micros}".encode()).hexdigest()
