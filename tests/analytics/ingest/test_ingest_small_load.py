"""Small tracking writes (analytics.ingest.small_load) store exactly what the set-based load stores."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics.db import Database, forget_database, open_database
from analytics.ingest import drain_rollup_queue, group_commit, small_load, track_events, tracking
from analytics.viewer import Viewer
from config.settings import Settings
from tests.analytics.ingest.conftest import assert_rollups_current

START = datetime(2024, 3, 1, 8, 0)
TABLES = {
    "events": "SELECT * EXCLUDE (ingested_at) FROM events",
    "users": "SELECT * EXCLUDE (created_at) FROM users",
    "sessions": "SELECT * FROM sessions",
    "user_daily": "SELECT * FROM user_daily",
    "user_daily_activity": "SELECT * FROM user_daily_activity",
    "rollup_queue": "SELECT * EXCLUDE (queued_at) FROM rollup_queue",
}


def _event(draw: random.Random, n: int) -> dict[str, Any]:
    """An event of one of a few users, minutes to days apart, sometimes with a session or no event_id."""
    at = START + timedelta(minutes=draw.choice([0, 5, 29, 31, 90, 600, 2000]) + draw.randrange(4000))
    event: dict[str, Any] = {
        "user_id": f"u{draw.randrange(6)}",
        "activity_type": draw.choice(["lesson", "exercise", "feature_use"]),
        "timestamp": at.isoformat() + "Z",
        "properties": {"duration_s": draw.randrange(100), "feature": f"f{draw.randrange(3)}"},
    }
    if draw.random() < 0.8:
        event["event_id"] = f"e{draw.randrange(n)}"  # repeats within and across batches
    if draw.random() < 0.2:
        event["session_id"] = f"s{draw.randrange(3)}"
    if draw.random() < 0.1:
        event["timestamp"] = int(at.timestamp())  # the same moment, a different spelling
    return event


def _track_all(db: Database, analyst: Viewer, settings: Settings, batches: list[list[dict]]) -> list[Any]:
    results = [track_events(db, analyst, batch, settings=settings) for batch in batches]
    with db.transaction() as cursor:
        cursor.execute("UPDATE users SET consent_analytics = false WHERE user_id = 'u5'")
    results += [track_events(db, analyst, batch, settings=settings) for batch in batches[:3]]
    return results


def _snapshot(db: Database) -> dict[str, list[tuple]]:
    return {name: sorted(db.rows(sql), key=repr) for name, sql in TABLES.items()}


@pytest.mark.parametrize("seed", range(4))
def test_small_writes_match_the_set_based_load(
    tmp_path: Path, analyst: Viewer, settings: Settings, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    draw = random.Random(seed)
    history = [_event(draw, 400) for _ in range(200)]
    batches = [[_event(draw, 400) for _ in range(draw.choice([1, 2, 5, 16, 40]))] for _ in range(25)]
    snapshots, outcomes = [], []
    for name, small_rows in (("set_based", 0), ("small", small_load.SMALL_ROWS)):
        monkeypatch.setattr(small_load, "SMALL_ROWS", small_rows)
        db = open_database(tmp_path / f"{name}.duckdb")
        try:
            track_events(db, analyst, history, settings=settings)
            outcomes.append(_track_all(db, analyst, settings, batches))
            snapshots.append(_snapshot(db))
            drain_rollup_queue(db, settings=settings)
            snapshots.append(_snapshot(db))
            assert_rollups_current(db)
        finally:
            forget_database(db.path)
    assert outcomes[0] == outcomes[1]
    assert snapshots[0] == snapshots[2] and snapshots[1] == snapshots[3]
    assert snapshots[1]["sessions"] and any(result.duplicates for result in outcomes[1])
    assert any(result.skipped_consent for result in outcomes[1])


def test_a_write_within_the_gap_continues_the_stored_session(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    def event(event_id: str, user: str, at: str) -> dict[str, str]:
        return {
            "event_id": event_id,
            "user_id": user,
            "timestamp": f"2024-01-05T{at}:00Z",
            "activity_type": "lesson",
        }

    history = [event(f"h{n}", "u9", f"0{n}:00") for n in range(5)] + [event("first", "u1", "10:00")]
    track_events(db, analyst, history, settings=settings)
    batch = [event("a", "u1", "10:20"), event("b", "u1", "11:00"), event("a", "u1", "10:20")]
    result = track_events(db, analyst, batch, settings=settings)
    assert (result.accepted, result.duplicates) == (2, 1)
    sessions = [
        row[0] for row in db.rows("SELECT session_id FROM events WHERE user_id = 'u1' ORDER BY timestamp")
    ]
    assert sessions[0] == sessions[1] != sessions[2]


def test_batches_waiting_together_are_grouped_within_the_small_write(
    db: Database, analyst: Viewer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a 1,000-event batch is written, more wait than SMALL_ROWS events' worth: grouped up to
    SMALL_ROWS events, they are all written by small_load, none by the set-based load."""
    in_group = small_load.SMALL_ROWS // 1_000
    history = [_batch_event(f"h-{k}", k) for k in range(small_load.SMALL_ROWS + 1_000)]
    track_events(db, analyst, history, settings=settings)
    store, sizes = tracking._store, []
    writing, release = threading.Event(), threading.Event()

    def held_store(db: Database, calls: list[list[Any]], **options: Any) -> Any:
        sizes.append(sum(len(call) for call in calls))
        writing.set()
        release.wait(30)
        return store(db, calls, **options)

    def no_set_based_load(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a group left the small write")

    monkeypatch.setattr(tracking, "_store", held_store)
    monkeypatch.setattr(tracking, "load_events", no_set_based_load)
    start = len(history)
    batches = [[_batch_event(f"b{n}-{k}", start + k) for k in range(1_000)] for n in range(in_group + 2)]
    waiting = group_commit._queue(db, (settings, True)).pending
    with ThreadPoolExecutor(len(batches)) as pool:
        first = pool.submit(track_events, db, analyst, batches[0], settings=settings)
        assert writing.wait(30)
        rest = [pool.submit(track_events, db, analyst, batch, settings=settings) for batch in batches[1:]]
        deadline = time.monotonic() + 30
        while len(waiting) < len(rest) and time.monotonic() < deadline:
            time.sleep(0.01)
        release.set()
        results = [future.result() for future in [first, *rest]]
    assert [result.accepted for result in results] == [1_000] * len(batches)
    assert sizes == [1_000, small_load.SMALL_ROWS, 1_000]
    assert db.scalar("SELECT count(*) FROM events") == len(history) + 1_000 * len(batches)


def _batch_event(event_id: str, second: int) -> dict[str, Any]:
    """A plain event of one of seven users, `second` seconds after START."""
    at = (START + timedelta(seconds=second)).isoformat() + "Z"
    return {"event_id": event_id, "user_id": f"u{second % 7}", "activity_type": "lesson", "timestamp": at}
