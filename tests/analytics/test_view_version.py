"""Cached results follow db.view_version: other changes show at once, tracked events within live_refresh_s."""

from __future__ import annotations

import time

from analytics.db import Database
from analytics.ingest import track_events
from analytics.viewer import Viewer

REFRESH_S = 0.3
TRACKER = Viewer.for_role("tracker-account", "tracker")


def _event(number: int) -> dict[str, str]:
    return {"event_id": f"live-{number}", "user_id": "u1", "activity_type": "lesson",
            "timestamp": "2025-06-01T10:00:00Z"}  # fmt: skip


def test_tracked_events_reach_the_view_version_after_the_refresh_interval(tmp_path):
    db = Database(tmp_path / "live.duckdb", live_refresh_s=REFRESH_S)
    time.sleep(REFRESH_S)
    shown = db.view_version
    track_events(db, TRACKER, _event(1))
    assert db.view_version != shown  # the first change after a quiet spell shows at once
    shown = db.view_version
    for number in range(2, 5):
        track_events(db, TRACKER, _event(number))
    assert db.data_version > shown and db.view_version == shown  # a stream: cached results stay
    time.sleep(REFRESH_S)
    assert db.view_version == db.data_version  # and are recomputed once the interval has passed


def test_other_changes_show_at_once_and_carry_the_tracked_ones_with_them(tmp_path):
    db = Database(tmp_path / "live.duckdb", live_refresh_s=3600)
    track_events(db, TRACKER, _event(1))
    track_events(db, TRACKER, _event(2))
    assert db.view_version < db.data_version
    with db.transaction() as cursor:  # an import, a prediction run, a user's own edit
        cursor.execute("INSERT INTO users (user_id) VALUES ('u2')")
    assert db.view_version == db.data_version


def test_bookkeeping_writes_change_no_version(tmp_path):
    db = Database(tmp_path / "live.duckdb", live_refresh_s=0)
    before = db.view_version
    with db.transaction(data_changed=False) as cursor:
        cursor.execute("INSERT INTO users (user_id) VALUES ('u3')")
    assert db.view_version == db.data_version == before


def test_zero_shows_every_tracked_event_at_once(tmp_path):
    db = Database(tmp_path / "live.duckdb", live_refresh_s=0)
    for number in range(3):
        track_events(db, TRACKER, _event(number))
        assert db.view_version == db.data_version
