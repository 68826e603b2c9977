"""Tracking writes decided from the facts kept between them (analytics.ingest.stored_facts) see every
other write, report stored ids as repeats, and keep the facts in step with what they store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from analytics.db import Database
from analytics.ingest import import_files, track_events
from analytics.ingest import stored_facts as facts_module
from analytics.ingest.stored_facts import StoredIds, id_hashes, stored_facts
from analytics.privacy.consent import set_consent
from analytics.viewer import SYSTEM, Viewer
from config.settings import Settings


def event(event_id: str, at: str, user: str = "u1") -> dict[str, str]:
    """A lesson of `user` at `at` on 2024-01-05 (UTC)."""
    return {
        "event_id": event_id,
        "user_id": user,
        "timestamp": f"2024-01-05T{at}:00Z",
        "activity_type": "lesson",
    }


HISTORY = [event(f"h{n}", f"0{n}:00", user="u9") for n in range(6)]
"""Earlier events of another user: enough that the writes below are small ones, decided from the facts."""


def sessions_of(db: Database, user: str = "u1") -> dict[str, str]:
    return dict(db.rows("SELECT event_id, session_id FROM events WHERE user_id = ?", [user]))


def facts_are_current(db: Database) -> bool:
    """Whether the last write was decided from the facts and moved them on (no other write since)."""
    return stored_facts(db).generation == db.events_generation


def test_the_facts_move_on_with_each_tracking_write(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    track_events(db, analyst, [*HISTORY, event("a", "10:00")], settings=settings)
    track_events(db, analyst, event("b", "10:20"), settings=settings)
    track_events(db, analyst, event("c", "10:45"), settings=settings)
    facts = stored_facts(db)
    assert facts_are_current(db) and facts.events == 9
    sessions = sessions_of(db)
    assert sessions["a"] == sessions["b"] == sessions["c"]
    assert facts.latest["u1"] is not None and facts.latest["u1"][1] == sessions["c"]


def test_a_consent_withdrawn_between_tracking_writes_is_honoured(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    track_events(db, analyst, [*HISTORY, event("a", "10:00")], settings=settings)
    track_events(db, analyst, event("b", "10:10"), settings=settings)
    assert facts_are_current(db)  # so only the withdrawal can tell them apart from the table
    set_consent(db, SYSTEM, "u1", False)
    result = track_events(db, analyst, event("c", "10:20"), settings=settings)
    assert (result.accepted, result.skipped_consent) == (0, [0])


def test_events_imported_between_tracking_writes_are_seen(
    db: Database, analyst: Viewer, settings: Settings, tmp_path: Path
) -> None:
    track_events(db, analyst, [*HISTORY, event("a", "10:00")], settings=settings)
    track_events(db, analyst, event("b", "10:10"), settings=settings)
    assert facts_are_current(db)
    imported = tmp_path / "later.csv"
    imported.write_text(
        "event_id,user_id,timestamp,activity_type\ni,u1,2024-01-05T10:35:00Z,lesson\nimp,u2,2024-01-05T09:00:00Z,lesson\n"
    )
    import_files(db, SYSTEM, [imported], settings=settings)
    # 25 minutes after the imported event, 50 after the last tracked one: it continues the import's session.
    result = track_events(db, analyst, [event("c", "11:00"), event("imp", "12:00")], settings=settings)
    assert (result.accepted, result.duplicates) == (1, 1)
    sessions = sessions_of(db)
    assert sessions["c"] == sessions["i"]


def test_a_stored_id_is_a_repeat_and_does_not_join_sessions(
    db: Database, analyst: Viewer, settings: Settings
) -> None:
    track_events(db, analyst, [*HISTORY, event("x", "10:00")], settings=settings)
    track_events(db, analyst, event("n", "10:10"), settings=settings)
    # Stored as "x" already: at 10:40 it would bridge 10:10 and 11:05 into one session.
    result = track_events(db, analyst, [event("x", "10:40"), event("y", "11:05")], settings=settings)
    assert (result.accepted, result.duplicates, result.event_ids) == (1, 1, ["x", "y"])
    sessions = sessions_of(db)
    assert sessions["x"] == sessions["n"] != sessions["y"]
    assert db.scalar("SELECT timestamp FROM events WHERE event_id = 'x'").hour == 10
    # "n" was stored by a write decided from the facts, which then know it.
    assert track_events(db, analyst, event("n", "12:00"), settings=settings).duplicates == 1
    assert db.scalar("SELECT count(*) FROM events") == 9 and facts_are_current(db)


def test_with_more_events_than_hashes_kept_ids_are_looked_up(
    db: Database, analyst: Viewer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts_module, "MAX_IDS", 5)
    track_events(db, analyst, [*HISTORY, event("x", "10:00")], settings=settings)
    track_events(db, analyst, event("n", "10:10"), settings=settings)
    result = track_events(
        db, analyst, [event("x", "11:00"), event("n", "11:00"), event("y", "11:00")], settings=settings
    )
    assert (result.accepted, result.duplicates) == (1, 2)
    assert stored_facts(db).ids is None and facts_are_current(db)


def test_id_hashes_are_duckdbs_md5_number_lower() -> None:
    ids = ["abc", "", "é🙂", "a" * 200]
    expected = [duckdb.execute("SELECT md5_number_lower(?)", [event_id]).fetchall()[0][0] for event_id in ids]
    assert id_hashes(ids).tolist() == expected


def test_stored_ids_find_ids_read_and_added_also_after_merging() -> None:
    stored = StoredIds(id_hashes(["a", "b"]))
    assert stored.candidates(["a", "x", "b"]) == ["a", "b"]
    stored.add(["x"])
    assert stored.candidates(["x", "y"]) == ["x"]
    stored.add([f"n{n}" for n in range(100_001)])  # more than the recent set holds: merged into the sorted
    assert not stored.recent and len(stored.sorted) == 100_004
    assert stored.candidates(["a", "x", "n77", "y"]) == ["a", "x", "n77"]
    assert StoredIds(np.array([], dtype=np.uint64)).candidates(["a"]) == []
