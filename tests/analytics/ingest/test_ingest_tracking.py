"""Tracking calls: one event or a batch, the import's rules and messages, idempotency, consent, rollups."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analytics.db import Database
from analytics.errors import PermissionDenied, ValidationError
from analytics.ingest import TrackResult, drain_rollup_queue, track_events
from analytics.viewer import Viewer
from config.settings import Settings
from tests.analytics.ingest.conftest import assert_rollups_current, events, table_counts


def event(user: str = "u1", at: str = "2024-01-05T10:00:00Z", **extra: object) -> dict[str, object]:
    return {"user_id": user, "timestamp": at, "activity_type": "lesson", **extra}


def test_one_event_is_stored_and_rolled_up(db: Database, analyst: Viewer, settings: Settings) -> None:
    result = track_events(db, analyst, event(properties={"score": 0.5}, level=3), settings=settings)
    assert (result.accepted, result.duplicates, result.skipped_consent) == (1, 0, [])
    assert result.event_ids == [db.scalar("SELECT event_id FROM events")]
    assert [row[4] for row in events(db)] == ['{"score":0.5,"level":3}']
    assert db.rows("SELECT user_id, event_count, score_sum, max_level FROM user_daily") == [("u1", 1, 0.5, 3)]
    assert_rollups_current(db)


def test_a_batch_is_stored_in_one_call(db: Database, analyst: Viewer, settings: Settings) -> None:
    batch = [
        event("u1", "2024-01-05T10:00:00Z"),
        event("u1", "2024-01-05T10:05:00Z"),
        event("u2", 1704448800),
    ]
    result = track_events(db, analyst, batch, settings=settings)
    assert result.accepted == 3 and len(set(result.event_ids)) == 3
    assert db.scalar("SELECT count(DISTINCT session_id) FROM events") == 2
    assert db.scalar("SELECT count(*) FROM users") == 2
    assert_rollups_current(db)


def test_tracking_adds_to_a_history_and_keeps_rollups_current(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    history = [
        event(f"u{n % 5}", f"2024-01-{1 + n % 20:02d}T{n % 24:02d}:00:00Z", properties={"score": n})
        for n in range(200)
    ]
    track_events(db, analyst, history, settings=settings)
    stored_session = db.scalar(
        "SELECT session_id FROM events WHERE user_id = 'u1' ORDER BY timestamp DESC LIMIT 1"
    )
    latest = db.scalar("SELECT max(timestamp) FROM events WHERE user_id = 'u1'")
    within_gap = (latest + timedelta(minutes=10)).isoformat() + "Z"
    result = track_events(db, analyst, event("u1", within_gap), settings=settings)
    assert (
        db.scalar("SELECT session_id FROM events WHERE event_id = ?", [result.event_ids[0]]) == stored_session
    )
    assert drain_rollup_queue(db, settings=settings) == 1
    assert_rollups_current(db)


def test_rollups_are_queued_and_drained(db: Database, analyst: Viewer, settings: Settings) -> None:
    track_events(db, analyst, [event("u1"), event("u2")], settings=settings)
    track_events(db, analyst, event("u1", "2024-01-05T10:20:00Z"), settings=settings)
    track_events(db, analyst, event("u3", "2024-01-06T08:00:00Z"), settings=settings)
    # The first call rebuilt the (empty) rollups; the later ones wait in the queue.
    assert db.scalar("SELECT count(*) FROM rollup_queue") == 2
    assert db.scalar("SELECT event_count FROM user_daily WHERE user_id = 'u1'") == 1
    assert drain_rollup_queue(db, settings=settings) == 2
    assert db.scalar("SELECT count(*) FROM rollup_queue") == 0
    assert db.scalar("SELECT event_count FROM user_daily WHERE user_id = 'u1'") == 2
    assert_rollups_current(db)
    assert drain_rollup_queue(db, settings=settings) == 0


def test_rollups_can_be_refreshed_inline(db: Database, analyst: Viewer, settings: Settings) -> None:
    track_events(db, analyst, [event("u1"), event("u2")], settings=settings)
    track_events(db, analyst, event("u1", "2024-01-05T10:20:00Z"), settings=settings, queue_rollups=False)
    assert db.scalar("SELECT count(*) FROM rollup_queue") == 0
    assert_rollups_current(db)


def test_a_batch_over_the_limit_is_refused(db: Database, analyst: Viewer) -> None:
    with pytest.raises(
        ValidationError, match=r"4 events, but at most 3 are accepted per call \(setting max_batch_events\)"
    ):
        track_events(db, analyst, [event()] * 4, settings=Settings(max_batch_events=3))
    assert db.scalar("SELECT count(*) FROM events") == 0


def test_an_invalid_event_is_named_by_its_index(db: Database, analyst: Viewer, settings: Settings) -> None:
    track_events(db, analyst, event("u0"), settings=settings)
    before = table_counts(db)
    batch = [event(), event("u2"), event("u3", at="yesterday"), event("", properties=[1])]
    with pytest.raises(ValidationError, match="Nothing was stored: 3 problems found") as raised:
        track_events(db, analyst, batch, settings=settings)
    assert "event 2, field timestamp: 'yesterday' is not ISO 8601 or epoch seconds/milliseconds" in str(
        raised.value
    )
    assert raised.value.problems == [
        {
            "row": 2,
            "field": "timestamp",
            "reason": "'yesterday' is not ISO 8601 or epoch seconds/milliseconds",
        },
        {"row": 3, "field": "user_id", "reason": "is missing or empty; a value is required"},
        {
            "row": 3,
            "field": "properties",
            "reason": '\'[1]\' is JSON but not an object; expected e.g. {"plan": "pro"}',
        },
    ]
    assert table_counts(db) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("hello", "must be one event \\(a JSON object\\) or a list of events. Got str"),
        ([], "The batch is empty"),
        ([event(), 7], "event 1: is a number, not a JSON object"),
        ([{"timestamp": "2024-01-05"}], "event 0, field user_id: is missing or empty"),
        ([event(Score=1, score=2)], "field score: would become 'score', like the field 'Score'"),
    ],
)
def test_malformed_payloads_are_refused(
    db: Database, analyst: Viewer, settings: Settings, payload: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        track_events(db, analyst, payload, settings=settings)  # type: ignore[arg-type]
    assert db.scalar("SELECT count(*) FROM events") == 0


def test_repeated_events_are_reported_as_duplicates(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    first = track_events(db, analyst, [event(event_id="e-1"), event("u2")], settings=settings)
    again = track_events(db, analyst, [event(event_id="e-1"), event("u2"), event("u3")], settings=settings)
    assert again == TrackResult(
        accepted=1, duplicates=2, skipped_consent=[], event_ids=[*first.event_ids, again.event_ids[2]]
    )
    assert first.event_ids[0] == "e-1"
    assert db.scalar("SELECT count(*) FROM events") == 3


def test_events_of_users_who_withdrew_consent_are_not_stored(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    db.rows("INSERT INTO users (user_id, consent_analytics) VALUES ('gone', false)")
    result = track_events(
        db, analyst, [event("u1"), event("gone"), event("gone", at=1704448800)], settings=settings
    )
    assert (result.accepted, result.skipped_consent) == (1, [1, 2])
    assert result.event_ids[1:] == [None, None]
    assert db.rows("SELECT DISTINCT user_id FROM events") == [("u1",)]


def test_unknown_users_are_created_with_the_consent_default(db: Database, analyst: Viewer) -> None:
    result = track_events(db, analyst, event("new"), settings=Settings(consent_default=False))
    assert (result.accepted, result.skipped_consent) == (0, [0])
    assert db.rows("SELECT user_id, consent_analytics FROM users") == [("new", False)]


def test_naive_times_use_the_import_zone(db: Database, analyst: Viewer) -> None:
    track_events(
        db, analyst, event(at="2024-01-05 10:00"), settings=Settings(import_timezone="Europe/Berlin")
    )
    assert db.scalar("SELECT timestamp FROM events") == datetime(2024, 1, 5, 9, 0)


def test_tracking_needs_the_tracking_permission(db: Database, member: Viewer, settings: Settings) -> None:
    with pytest.raises(PermissionDenied, match="TRACK_ANALYTICS"):
        track_events(db, member, event(), settings=settings)
    tracker = Viewer.for_role("backend", "tracker")
    assert track_events(db, tracker, event(), settings=settings).accepted == 1
