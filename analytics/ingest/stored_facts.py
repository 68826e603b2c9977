"""What the tracking writer knows of the stored tables between its writes, so most writes read nothing.

A small tracking write needs, for its users, their consent and latest stored event with a session, plus
the number of stored events and the rollups' zone. Reading them took one statement per write, and under
load that statement held the one writer longest: DuckDB's Python client takes the GIL back after each
task of a query, so a statement waits for the request threads as often as it has tasks. These facts are
now kept in memory: read once per user, then moved on by each tracking write itself.

They are valid only while no other transaction has written since: `Database.events_generation` counts
the commits of data-changing transactions holding the events lock, and the facts remember the count
they match. Any other such write (an import, a consent change, retention) moves the count on, and the
facts are dropped and read again.

Which event_ids are stored is known through StoredIds, the sorted 64-bit hashes of every stored id: an
id whose hash is not among them is not stored, and only the rare id whose hash is there is looked up.
Looking ids up in SQL scans every stored event_id (no index): 3.8 ms a write at 520,000 events, 44 ms
at 10 million. The hashes answer for 1,000 ids in 0.5 ms, at 8 bytes of memory per stored event.
"""

from __future__ import annotations

import hashlib
import weakref
from datetime import datetime

import duckdb
import numpy as np

from analytics.db import Database
from analytics.rollups import ROLLUP_ZONE_KEY

MAX_USERS = 100_000
"""Users remembered at most; beyond that the facts are dropped and read again (about 200 bytes a user)."""
MAX_IDS = 4_000_000
"""With more stored events than this, their id hashes are not kept and ids are looked up in SQL. Reading
the hashes takes about 0.27 s a million events (DuckDB's md5 of every id), once after each other write;
at 4 million a tracking write then waits about a second once; the SQL lookup costs about 17 ms a write
there (44 ms at 10 million, scaled)."""


def id_hashes(event_ids: list[str]) -> np.ndarray:
    """md5's lower 64 bits of each id, as DuckDB's md5_number_lower gives them."""
    digests = b"".join(
        hashlib.md5(event_id.encode("utf-8", "surrogatepass")).digest()[8:] for event_id in event_ids
    )
    return np.frombuffer(digests, dtype="<u8")


class StoredIds:
    """The hashes of every stored event_id: those read, sorted, and those stored since."""

    def __init__(self, hashes: np.ndarray) -> None:
        self.sorted = np.sort(hashes)
        self.recent: set[int] = set()

    @classmethod
    def read(cls, cursor: duckdb.DuckDBPyConnection) -> StoredIds:
        found = cursor.execute("SELECT md5_number_lower(event_id) AS h FROM events").fetchnumpy()["h"]
        return cls(np.asarray(found, dtype=np.uint64))

    def candidates(self, event_ids: list[str]) -> list[str]:
        """The ids that may be stored (their hash is known); the others are not."""
        hashes = id_hashes(event_ids)
        if len(self.sorted):
            places = np.minimum(np.searchsorted(self.sorted, hashes), len(self.sorted) - 1)
            known = self.sorted[places] == hashes
        else:
            known = np.zeros(len(hashes), dtype=bool)
        return [
            event_id
            for event_id, hit, value in zip(event_ids, known.tolist(), hashes.tolist(), strict=True)
            if hit or value in self.recent
        ]

    def add(self, event_ids: list[str]) -> None:
        """Count `event_ids` as stored; merge them into the sorted hashes when they grow many."""
        self.recent.update(id_hashes(event_ids).tolist())
        if len(self.recent) > max(100_000, len(self.sorted) // 8):
            merged = np.fromiter(self.recent, dtype=np.uint64, count=len(self.recent))
            self.sorted = np.sort(np.concatenate([self.sorted, merged]))
            self.recent = set()


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
        self.ids: StoredIds | None = None

    def current(self, generation: int) -> StoredFacts:
        """These facts, emptied first unless they match `generation` (the database's events_generation)."""
        if generation != self.generation or len(self.consent) > MAX_USERS:
            self.consent.clear()
            self.latest.clear()
            self.ids = None
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

    def stored_ids(self, cursor: duckdb.DuckDBPyConnection, event_ids: list[str]) -> set[str]:
        """Which of `event_ids` are stored, looking up only those whose hash is known."""
        if not event_ids:
            return set()
        if self.ids is None and self.events <= MAX_IDS:
            self.ids = StoredIds.read(cursor)
        wanted = self.ids.candidates(event_ids) if self.ids is not None else event_ids
        if not wanted:
            return set()
        found = cursor.execute(
            "SELECT DISTINCT event_id FROM events WHERE event_id IN (SELECT unnest(?::VARCHAR[]))", [wanted]
        ).fetchall()
        return {event_id for (event_id,) in found}

    def learn(
        self,
        new_users: list[str],
        consent_default: bool,
        stored: list[tuple[str, str, datetime, str]],
    ) -> None:
        """Move the facts past a write of `new_users` and of the events `stored` (id, user, time,
        session), about to commit: that commit is the one move of events_generation they expect."""
        for user in new_users:
            self.consent[user] = consent_default
        for _, user, timestamp, session in stored:
            latest = self.latest.get(user)
            if latest is None or timestamp > latest[0]:
                self.latest[user] = (timestamp, session)
        if self.ids is not None:
            self.ids.add([event_id for event_id, *_ in stored])
        self.events += len(stored)
        self.generation += 1


_facts: weakref.WeakKeyDictionary[Database, StoredFacts] = weakref.WeakKeyDictionary()


def stored_facts(db: Database) -> StoredFacts:
    """The facts kept for `db` (created empty on first use; read them only under its events lock)."""
    return _facts.setdefault(db, StoredFacts())
