"""Retention deletes exactly the old events and leaves rollups equal to a full recomputation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from analytics import rollups
from analytics.audit import read_log
from analytics.db import Database
from analytics.errors import ValidationError
from analytics.privacy import apply_retention
from analytics.viewer import SYSTEM

NOW = datetime(2024, 6, 30, 12, 0)
CUTOFF = datetime(2024, 5, 31, 12, 0)
DERIVED = {
    "sessions": "session_id, user_id",
    "user_daily": "user_id, day",
    "user_daily_activity": "user_id, day, activity_type",
}


def snapshot(db: Database) -> dict[str, pd.DataFrame]:
    tables = {"events": "event_id"} | DERIVED
    return {name: db.query(f"SELECT * FROM {name} ORDER BY {order}") for name, order in tables.items()}


def test_dry_run_reports_what_would_go_and_changes_nothing(filled_db: Database) -> None:
    before = snapshot(filled_db)

    report = apply_retention(filled_db, older_than_days=30, dry_run=True, now=NOW)

    assert (report.cutoff, report.dry_run, report.events, report.users) == (CUTOFF, True, 4, 2)
    assert (report.oldest_at, report.newest_at) == (datetime(2024, 4, 1, 8), datetime(2024, 5, 31, 11))
    assert report.summary() == (
        "Would delete 4 events of 2 users older than 2024-05-31 12:00 UTC "
        "(from 2024-04-01 08:00 to 2024-05-31 11:00). Dry run: nothing was changed."
    )
    after = snapshot(filled_db)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame)
    assert read_log(filled_db, SYSTEM, action="retention_applied").empty


def test_apply_deletes_exactly_the_old_events(filled_db: Database) -> None:
    report = apply_retention(filled_db, older_than_days=30, dry_run=False, now=NOW)

    assert (report.events, report.users, report.dry_run) == (4, 2, False)
    assert [r[0] for r in filled_db.rows("SELECT event_id FROM events ORDER BY 1")] == [
        "e4",
        "e5",
        "e7",
        "e8",
        "e9",
    ]
    entry = read_log(filled_db, SYSTEM, action="retention_applied").iloc[0]
    assert entry.actor == "system"
    assert json.loads(entry.detail) == {
        "cutoff": "2024-05-31 12:00:00",
        "events": 4,
        "older_than_days": 30,
        "users": 2,
    }


def test_apply_leaves_rollups_equal_to_a_full_rebuild(filled_db: Database) -> None:
    apply_retention(filled_db, older_than_days=30, dry_run=False, now=NOW)
    refreshed = snapshot(filled_db)
    with filled_db.transaction() as cursor:
        rollups.rebuild_all(cursor, "UTC")
    rebuilt = snapshot(filled_db)

    for name in DERIVED:
        pd.testing.assert_frame_equal(refreshed[name], rebuilt[name], check_dtype=False)
    # By hand: u2's only day and session went; u1's session s2 now starts at its surviving event.
    assert filled_db.rows("SELECT user_id, day::VARCHAR, event_count FROM user_daily ORDER BY 1, 2") == [
        ("u1", "2024-05-31", 1),
        ("u1", "2024-06-10", 1),
        ("u3", "2024-06-20", 2),
        ("u3", "2024-06-21", 1),
    ]
    assert filled_db.rows("SELECT session_id, started_at, event_count FROM sessions ORDER BY 1") == [
        ("s2", datetime(2024, 5, 31, 13), 1),
        ("s3", datetime(2024, 6, 10, 9), 1),
        ("s5", datetime(2024, 6, 20, 18), 2),
    ]


def test_nothing_old_enough_changes_no_event_but_is_audited(filled_db: Database) -> None:
    report = apply_retention(filled_db, older_than_days=365, dry_run=False, now=NOW)

    assert (report.events, report.users, report.oldest_at) == (0, 0, None)
    assert filled_db.scalar("SELECT count(*) FROM events") == 9
    assert len(read_log(filled_db, SYSTEM, action="retention_applied")) == 1


def test_an_aware_now_is_read_in_utc(filled_db: Database) -> None:
    berlin_summer = timezone(timedelta(hours=2))
    report = apply_retention(
        filled_db, older_than_days=30, dry_run=True, now=datetime(2024, 6, 30, 14, 0, tzinfo=berlin_summer)
    )
    assert report.cutoff == CUTOFF
    assert apply_retention(filled_db, older_than_days=1, dry_run=True).cutoff < datetime.now(UTC).replace(
        tzinfo=None
    )


@pytest.mark.parametrize("days", [0, -3, 1.5, True, "30"])
def test_days_must_be_a_positive_int(filled_db: Database, days: object) -> None:
    with pytest.raises(ValidationError, match=r"'older_than_days' parameter must be an int >= 1\. Got"):
        apply_retention(filled_db, older_than_days=days, dry_run=True, now=NOW)
