"""What the tracking writer knows of the stored tables between its writes, so most writes read nothing.

A small tracking write needs, for its users, their consent and latest stored event with a session, plus
the number of stored events and the rollups' zone. Reading them took one statement per write, and under
load that statement held the one writer longest: DuckDB's Python client takes the GIL back after each
task of a query, so a statement waits for the request threads as often as it has tasks. These facts are
now kept in memory: read once per user, then moved on by each tracking write itself.

They are valid only while no other transaction has written since: `Database.events_generation` counts
the commits of transactions holding the events lock, and the facts remember the count they match. Any
other write (an import, a consent change, retention) moves the count on, and the facts are dropped and
read again. Which given event_ids are stored is not kept (it would mean every id); the write checks it
instead, see small_load.
"""

from __future__ import annotations

import weakref
from datetime import datetime

import duckdb

from analytics.db import Database
from analytics.rollups import ROLLUP_ZONE_KEY

MAX_USERS = 100_000
"""Users remembered at most; beyond that the facts are dropped and read again (about 200 bytes a user)."""


class StoredFacts:
    """Per user read or written: consent (None when the user is not stored) and the latest stored event
    with a session (time, session id; None when there is none); the number of stored events and the
    rollups' zone. Use only while holding the database's events lock."""

    def __init__(self) -> None:
        self.generation = -1
        self.consent: dict[str, bool | None] = {}
        self.latest: dict[str, tuple[datetime, str] | None] = {}
        self.events = 0
        self.rollup_zone: str | None = None

    def current(self, generation: int) -> StoredFacts:
        """These facts, emptied first unless they match `generation` (the database's events_generation)."""
        if generation != self.generation or len(self.consent) > MAX_USERS:
            self.consent.clear()
            self.latest.clear()
            self.generation = generation
        return self

    def read(self, cursor: duckdb.DuckDBPyConnection, users: list[str]) -> None:
        """Read the facts of `users` not known yet (and, with the first ones, the counts)."""
        missing = [user for user in users if user not in self.consent]
        if not missing:
            return
        found = cursor.execute(
            """WITH latest AS (
                SELECT user_id, max(timestamp) AS last_at, arg_max(session_id, timestamp) AS session_id
                FROM events
                WHERE session_id IS NOT NULL AND user_id IN (SELECT unnest($users::VARCHAR[]))
                GROUP BY user_id
            )
            SELECT w.user_id, u.consent_analytics, a.last_at, a.session_id,
                (SELECT count(*) FROM events), (SELECT value FROM meta WHERE key = $zone_key)
            FROM (SELECT unnest($users::VARCHAR[]) AS user_id) w
            LEFT JOIN users u USING (user_id) LEFT JOIN latest a USING (user_id)""",
            {"users": missing, "zone_key": ROLLUP_ZONE_KEY},
        ).fetchall()
        for user, consent, last_at, session, events, zone in found:
            self.consent[user] = consent
            self.latest[user] = (last_at, session) if last_at is not None else None
            self.events, self.rollup_zone = events, zone

    def learn(
        self,
        new_users: list[str],
        consent_default: bool,
        stored: list[tuple[str, datetime, str]],
    ) -> None:
        """Move the facts past a write of `new_users` and of the events `stored` (user, time, session),
        about to commit: that commit is the one move of events_generation they expect."""
        for user in new_users:
            self.consent[user] = consent_default
        for user, timestamp, session in stored:
            latest = self.latest.get(user)
            if latest is None or timestamp > latest[0]:
                self.latest[user] = (timestamp, session)
        self.events += len(stored)
        self.generation += 1


_facts: weakref.WeakKeyDictionary[Database, StoredFacts] = weakref.WeakKeyDictionary()


def stored_facts(db: Database) -> StoredFacts:
    """The facts kept for `db` (created empty on first use; read them only under its events lock)."""
    return _facts.setdefault(db, StoredFacts())
