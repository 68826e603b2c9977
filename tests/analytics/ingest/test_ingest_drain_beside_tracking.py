"""The rollup queue's drain runs beside tracking writes (each holds one of the database's two write
locks), and together they still store every event once and leave the rollups equal to a rebuild."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from analytics.db import Database, forget_database, open_database
from analytics.ingest import drain_rollup_queue, track_events
from analytics.viewer import Viewer
from config.settings import Settings
from tests.analytics.ingest.conftest import assert_rollups_current

START = datetime(2024, 3, 1, 8, 0)
WAIT_S = 20.0


@pytest.fixture
def db(tmp_path: Path):
    database = open_database(tmp_path / "pulse.duckdb")
    yield database
    forget_database(database.path)


def _event(draw: random.Random, event_id: str) -> dict[str, Any]:
    at = START + timedelta(minutes=draw.randrange(3 * 24 * 60))
    return {
        "event_id": event_id,
        "user_id": f"u{draw.randrange(8)}",
        "activity_type": draw.choice(["lesson", "exercise", "feature_use"]),
        "timestamp": at.isoformat() + "Z",
        "properties": {"duration_s": draw.randrange(100), "feature": f"f{draw.randrange(3)}"},
    }


def _history(db: Database, analyst: Viewer, settings: Settings) -> None:
    draw = random.Random(0)
    track_events(db, analyst, [_event(draw, f"h{n}") for n in range(300)], settings=settings)


def test_a_drain_finishes_while_a_tracking_write_is_open(db, analyst, settings):
    _history(db, analyst, settings)
    track_events(db, analyst, _event(random.Random(1), "queued"), settings=settings)
    drained: list[int] = []
    with db.transaction(live=True, writes_rollups=False) as cursor:
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, ingested_at) "
            "VALUES ('open', 'u1', 'lesson', TIMESTAMP '2024-03-02 09:00', 's-open', TIMESTAMP '2024-03-02 09:00')"
        )
        cursor.execute(
            "INSERT INTO rollup_queue VALUES ('u1', TIMESTAMP '2024-03-02 09:00', 's-open', TIMESTAMP '2024-03-02 09:00')"
        )
        drain = threading.Thread(target=lambda: drained.append(drain_rollup_queue(db, settings=settings)))
        drain.start()
        drain.join(WAIT_S)
        assert not drain.is_alive(), "the drain waited for the open tracking write"
    assert drained == [1]  # the queued event; the open write's row was not in the drain's snapshot
    assert db.rows("SELECT user_id, session_id FROM rollup_queue") == [("u1", "s-open")]
    assert drain_rollup_queue(db, settings=settings) == 1
    assert_rollups_current(db)


def test_tracking_and_draining_at_once_store_every_event_once_and_keep_rollups_exact(db, analyst, settings):
    _history(db, analyst, settings)
    errors: list[BaseException] = []
    accepted: list[int] = []
    tracking_done = threading.Event()

    def tracker(number: int) -> None:
        draw = random.Random(number)
        try:
            for batch in range(25):
                events = [_event(draw, f"t{number}-{batch}-{n}") for n in range(draw.choice([1, 3, 16, 40]))]
                accepted.append(track_events(db, analyst, events, settings=settings).accepted)
        except BaseException as exc:
            errors.append(exc)

    def drainer() -> None:
        try:
            while not tracking_done.is_set():
                drain_rollup_queue(db, settings=settings)
        except BaseException as exc:
            errors.append(exc)

    trackers = [threading.Thread(target=tracker, args=(number,)) for number in range(4)]
    drain = threading.Thread(target=drainer)
    drain.start()
    for thread in trackers:
        thread.start()
    for thread in trackers:
        thread.join(120)
    tracking_done.set()
    drain.join(WAIT_S)
    assert not errors, errors
    sent = db.scalar("SELECT count(*) FROM events WHERE starts_with(event_id, 't')")
    assert (
        sent
        == sum(accepted)
        == db.scalar("SELECT count(DISTINCT event_id) FROM events WHERE starts_with(event_id, 't')")
    )
    drain_rollup_queue(db, settings=settings)
    assert db.scalar("SELECT count(*) FROM rollup_queue") == 0
    assert_rollups_current(db)


def test_the_first_tracked_events_build_the_rollups_without_a_drain(db, analyst, settings):
    """A write that must rebuild the rollups is made again holding their lock."""
    _history(db, analyst, settings)
    assert db.scalar("SELECT count(*) FROM rollup_queue") == 0
    assert db.scalar("SELECT sum(event_count) FROM user_daily") == 300
    assert_rollups_current(db)
