"""Tracking writes decided from the facts kept between them (analytics.ingest.stored_facts) see every
other write, report stored ids as repeats, and keep the facts in step with what they store."""

from __future__ import annotations

from pathlib import Path

from analytics.db import Database
from analytics.ingest import import_files, track_events
from analytics.ingest.stored_facts import stored_facts
from analytics.privacy.consent import set_consent
from analytics.viewer import SYSTEM, Viewer
from config.settings import Settings


def event(event_id: str, at: str, user: str = "u1") -> dict[str, str]:
    return {
        "event_id": event_id,
        "user_id": user,
        "timestamp": f"2024-01-05T{at}:00Z",
        "activity_type": "lesson",
    }


def sessions_of(db: Database, user: str = "u1") -> dict[str, str]:
    return dict(db.rows("SELECT event_id, session_id FROM events WHERE user_id = ?", [user]))


def test_the_facts_move_on_with_each_tracking_write(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    track_events(db, analyst, [event("h", "08:00", user="u9"), event("a", "10:00")], settings=settings)
    track_events(db, analyst, event("b", "10:20"), settings=settings)
    track_events(db, analyst, event("c", "10:45"), settings=settings)
    facts = stored_facts(db)
    assert facts.generation == db.events_generation
    assert facts.events == 4
    sessions = sessions_of(db)
    assert sessions["a"] == sessions["b"] == sessions["c"]
    assert facts.latest["u1"] is not None and facts.latest["u1"][1] == sessions["c"]


def test_a_consent_withdrawn_between_tracking_writes_is_honoured(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    track_events(db, analyst, [event("h", "08:00", user="u9"), event("a", "10:00")], settings=settings)
    track_events(db, analyst, event("b", "10:10"), settings=settings)
    assert stored_facts(db).generation == db.events_generation  # current: only the withdrawal moves it on
    set_consent(db, SYSTEM, "u1", False)
    result = track_events(db, analyst, event("c", "10:20"), settings=settings)
    assert (result.accepted, result.skipped_consent) == (0, [0])


def test_a_stored_id_is_a_repeat_and_does_not_join_sessions(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    track_events(db, analyst, [event("h", "08:00", user="u9"), event("x", "10:00")], settings=settings)
    track_events(db, analyst, event("n", "10:10"), settings=settings)
    # Stored as "x" already: at 10:40 it would bridge 10:10 and 11:05 into one session.
    result = track_events(db, analyst, [event("x", "10:40"), event("y", "11:05")], settings=settings)
    assert (result.accepted, result.duplicates, result.event_ids) == (1, 1, ["x", "y"])
    sessions = sessions_of(db)
    assert sessions["x"] == sessions["n"] != sessions["y"]
    assert db.scalar("SELECT timestamp FROM events WHERE event_id = 'x'").hour == 10
    assert db.scalar("SELECT count(*) FROM events") == 4


def test_events_imported_between_tracking_writes_are_seen(
    db: Database, analyst: Viewer, settings: Settings, tmp_path: Path
) -> None:
    track_events(db, analyst, [event("h", "08:00", user="u9"), event("a", "10:00")], settings=settings)
    track_events(db, analyst, event("b", "10:10"), settings=settings)
    assert stored_facts(db).generation == db.events_generation
    imported = tmp_path / "later.csv"
    imported.write_text("event_id,user_id,timestamp,activity_type\ni,u1,2024-01-05T10:35:00Z,lesson\n")
    import_files(db, SYSTEM, [imported], settings=settings)
    # 25 minutes after the imported event, 40 after the last tracked one: it continues the import's session.
    track_events(db, analyst, event("c", "11:00"), settings=settings)
    sessions = sessions_of(db)
    assert sessions["c"] == sessions["i"]
