"""Importing events: formats, column mapping, timestamps, duplicates, users, consent and rollups."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.db import Database
from analytics.errors import PermissionDenied
from analytics.ingest import import_files
from analytics.viewer import SYSTEM, Viewer
from config.settings import Settings
from tests.analytics.ingest.conftest import assert_rollups_current, events

Write = Callable[[str, str], Path]

THREE_EVENTS = """user_id,timestamp,activity_type,properties
u1,2024-01-05T10:00:00Z,login,"{""plan"": ""pro""}"
u1,2024-01-05T10:10:00Z,lesson,
u2,2024-01-05T11:00:00Z,exercise,"{""score"": 0.5}"
"""


def test_csv_events_are_stored_with_users_and_rollups(db: Database, write: Write, settings: Settings) -> None:
    summary = import_files(db, SYSTEM, [write("events.csv", THREE_EVENTS)], settings=settings)
    assert (summary.rows_read, summary.added, summary.duplicates, summary.users_created) == (3, 3, 0, 2)
    stored = events(db)
    assert [(row[0], row[1], row[2], row[4]) for row in stored] == [
        ("u1", "login", datetime(2024, 1, 5, 10, 0), '{"plan": "pro"}'),
        ("u1", "lesson", datetime(2024, 1, 5, 10, 10), None),
        ("u2", "exercise", datetime(2024, 1, 5, 11, 0), '{"score": 0.5}'),
    ]
    assert db.rows("SELECT user_id, consent_analytics FROM users ORDER BY user_id") == [
        ("u1", True),
        ("u2", True),
    ]
    assert db.rows("SELECT user_id, day, event_count, session_count FROM user_daily ORDER BY user_id") == [
        ("u1", datetime(2024, 1, 5).date(), 2, 1),
        ("u2", datetime(2024, 1, 5).date(), 1, 1),
    ]
    assert_rollups_current(db)


def test_reimporting_the_same_file_adds_nothing(db: Database, write: Write, settings: Settings) -> None:
    path = write("events.csv", THREE_EVENTS)
    import_files(db, SYSTEM, [path], settings=settings)
    before = db.rows("SELECT * FROM events ORDER BY event_id")
    again = import_files(db, SYSTEM, [path], settings=settings)
    assert (again.added, again.duplicates, again.users_created) == (0, 3, 0)
    assert db.rows("SELECT * FROM events ORDER BY event_id") == before


def test_duplicates_inside_the_input_are_stored_once(db: Database, write: Write, settings: Settings) -> None:
    repeated = THREE_EVENTS + 'u1,2024-01-05T10:00:00Z,login,"{""plan"": ""pro""}"\n'
    summary = import_files(db, SYSTEM, [write("events.csv", repeated)], settings=settings)
    assert (summary.rows_read, summary.added, summary.duplicates) == (4, 3, 1)


def test_derived_event_ids_are_md5_of_the_content(db: Database, write: Write, settings: Settings) -> None:
    """The id of an event without one is md5 of its fields' text joined by chr(31), chr(30) for NULL: a
    database made by any earlier version then recognises a re-imported row."""
    text = "user_id,timestamp,activity_type,country,note\nu1,2024-01-05T10:00:00Z,login,DE,hi\nu2,2024-01-05T11:00:00Z,lesson,,\n"
    import_files(db, SYSTEM, [write("events.csv", text)], settings=settings)
    absent = chr(30)
    contents = [
        ["u1", "1704448800000000", "login", absent, '{"note":"hi"}', absent, absent, "DE", absent],
        ["u2", "1704452400000000", "lesson", absent, absent, absent, absent, absent, absent],
    ]
    expected = [hashlib.md5(chr(31).join(fields).encode()).hexdigest() for fields in contents]
    assert db.rows("SELECT event_id FROM events ORDER BY user_id") == [(expected[0],), (expected[1],)]


def test_given_event_ids_decide_what_is_a_duplicate(db: Database, write: Write, settings: Settings) -> None:
    text = "event_id,user_id,timestamp,activity_type\ne1,u1,2024-01-05T10:00:00Z,login\ne1,u1,2024-01-06T10:00:00Z,login\n"
    summary = import_files(db, SYSTEM, [write("events.csv", text)], settings=settings)
    assert (summary.added, summary.duplicates) == (1, 1)
    assert db.rows("SELECT event_id, timestamp FROM events") == [("e1", datetime(2024, 1, 5, 10, 0))]


def test_several_files_are_one_import(db: Database, write: Write, settings: Settings) -> None:
    first = write("a.csv", THREE_EVENTS)
    second = write(
        "b.jsonl", json.dumps({"user_id": "u3", "timestamp": 1704449400, "activity_type": "login"}) + "\n"
    )
    summary = import_files(db, SYSTEM, [first, second], settings=settings)
    assert (summary.files, summary.added) == (2, 4)
    assert db.rows("SELECT timestamp FROM events WHERE user_id = 'u3'") == [(datetime(2024, 1, 5, 10, 10),)]


def test_map_renames_columns(db: Database, write: Write, settings: Settings) -> None:
    text = "uid,ts,kind,plan\nu1,2024-01-05T10:00:00Z,login,pro\n"
    import_files(
        db,
        SYSTEM,
        [write("events.csv", text)],
        column_map={"uid": "user_id", "ts": "timestamp", "kind": "activity_type", "plan": "tier"},
        settings=settings,
    )
    assert [(row[0], row[1], row[2], row[4]) for row in events(db)] == [
        ("u1", "login", datetime(2024, 1, 5, 10, 0), '{"tier":"pro"}')
    ]


def test_other_columns_go_into_properties_keeping_numbers(
    db: Database, write: Write, settings: Settings
) -> None:
    text = 'user_id,timestamp,activity_type,properties,score,level,note\nu1,2024-01-05T10:00:00Z,exercise,"{""a"": 1}",0.75,3,hi\nu1,2024-01-05T10:01:00Z,exercise,,,,\n'
    import_files(db, SYSTEM, [write("events.csv", text)], settings=settings)
    assert [row[4] for row in events(db)] == ['{"a":1,"score":0.75,"level":3,"note":"hi"}', None]
    assert db.scalar("SELECT score_sum FROM user_daily") == 0.75


def test_parquet_events_with_typed_columns(db: Database, tmp_path: Path, settings: Settings) -> None:
    table = pa.table(
        {
            "user_id": ["u1", "u2"],
            "timestamp": pa.array([datetime(2024, 1, 5, 10), datetime(2024, 1, 5, 11)], pa.timestamp("ms")),
            "activity_type": ["login", "lesson"],
            "properties": pa.array([{"level": 2}, {"level": 5}], pa.struct([("level", pa.int64())])),
            "duration_s": pa.array([12.5, None]),
        }
    )
    pq.write_table(table, tmp_path / "events.parquet")
    summary = import_files(db, SYSTEM, [tmp_path / "events.parquet"], settings=settings)
    assert summary.added == 2
    assert [row[4] for row in events(db)] == ['{"level":2,"duration_s":12.5}', '{"level":5}']


def test_jsonl_events_keep_json_types(db: Database, write: Write, settings: Settings) -> None:
    lines = [
        {
            "user_id": 42,
            "timestamp": 1704449400000,
            "activity_type": "lesson",
            "properties": {"a": [1, 2]},
            "ok": True,
        },
        {"user_id": "u2", "timestamp": "2024-01-05T10:10:00+01:00", "activity_type": "login", "n": 7},
    ]
    path = write("events.ndjson", "\n".join(json.dumps(line) for line in lines) + "\n")
    import_files(db, SYSTEM, [path], settings=settings)
    assert [(row[0], row[2], row[4]) for row in events(db)] == [
        ("u2", datetime(2024, 1, 5, 9, 10), '{"n":7}'),
        ("42", datetime(2024, 1, 5, 10, 10), '{"a":[1,2],"ok":true}'),
    ]


def test_format_option_overrides_the_extension(db: Database, write: Write, settings: Settings) -> None:
    path = write("events.txt", THREE_EVENTS)
    assert import_files(db, SYSTEM, [path], file_format="csv", settings=settings).added == 3


@pytest.mark.parametrize(
    ("stamp", "zone", "expected"),
    [
        ("2024-01-05T10:00:00", None, datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05T10:00:00", "Europe/Berlin", datetime(2024, 1, 5, 9, 0)),
        ("2024-01-05T10:00:00+05:00", "Europe/Berlin", datetime(2024, 1, 5, 5, 0)),
        ("1704448800", "Europe/Berlin", datetime(2024, 1, 5, 10, 0)),
        ("1704448800000", None, datetime(2024, 1, 5, 10, 0)),
    ],
)
def test_timestamps_are_stored_as_naive_utc(
    db: Database, write: Write, settings: Settings, stamp: str, zone: str | None, expected: datetime
) -> None:
    path = write("events.csv", f"user_id,timestamp,activity_type\nu1,{stamp},login\n")
    import_files(db, SYSTEM, [path], timezone=zone, settings=settings)
    assert db.scalar("SELECT timestamp FROM events") == expected


def test_import_timezone_setting_is_the_default(db: Database, write: Write) -> None:
    path = write("events.csv", "user_id,timestamp,activity_type\nu1,2024-07-01 12:00,login\n")
    import_files(db, SYSTEM, [path], settings=Settings(import_timezone="America/New_York"))
    assert db.scalar("SELECT timestamp FROM events") == datetime(2024, 7, 1, 16, 0)


def test_sessions_are_derived_with_the_gap(db: Database, write: Write, settings: Settings) -> None:
    # u1: 10:00, 10:20 (gap 20 min), 10:50 (30 min: still the same), 11:21 (31 min: new); u2 alone.
    text = "user_id,timestamp,activity_type\n" + "".join(
        f"{user},2024-01-05T{time}:00Z,x\n"
        for user, time in [
            ("u1", "10:00"),
            ("u1", "10:20"),
            ("u1", "10:50"),
            ("u1", "11:21"),
            ("u2", "10:05"),
        ]
    )
    import_files(db, SYSTEM, [write("events.csv", text)], settings=settings)
    sessions = [row[3] for row in events(db)]
    u1 = [sessions[0], sessions[2], sessions[3], sessions[4]]
    assert u1[0] == u1[1] == u1[2] != u1[3]
    assert sessions[1] not in u1
    assert db.rows("SELECT user_id, started_at, ended_at, event_count FROM sessions ORDER BY started_at") == [
        ("u1", datetime(2024, 1, 5, 10, 0), datetime(2024, 1, 5, 10, 50), 3),
        ("u2", datetime(2024, 1, 5, 10, 5), datetime(2024, 1, 5, 10, 5), 1),
        ("u1", datetime(2024, 1, 5, 11, 21), datetime(2024, 1, 5, 11, 21), 1),
    ]
    again = Settings(session_gap_minutes=60)
    other = write("other.csv", text.replace("2024-01-05", "2024-02-05"))
    import_files(db, SYSTEM, [other], settings=again)
    assert db.scalar("SELECT count(DISTINCT session_id) FROM events WHERE timestamp > '2024-02-01'") == 2


def test_derived_session_ids_are_deterministic(tmp_path: Path, write: Write, settings: Settings) -> None:
    path = write("events.csv", THREE_EVENTS)
    found = []
    for name in ("one", "two"):
        database = Database(tmp_path / f"{name}.duckdb")
        import_files(database, SYSTEM, [path], settings=settings)
        found.append(database.rows("SELECT event_id, session_id FROM events ORDER BY event_id"))
        database.close()
    assert found[0] == found[1]


def test_given_session_ids_are_kept(db: Database, write: Write, settings: Settings) -> None:
    text = "user_id,timestamp,activity_type,session_id\nu1,2024-01-05T10:00:00Z,x,s1\nu1,2024-01-05T15:00:00Z,x,s1\nu1,2024-01-05T15:01:00Z,x,\n"
    import_files(db, SYSTEM, [write("events.csv", text)], settings=settings)
    sessions = [row[3] for row in events(db)]
    assert sessions[:2] == ["s1", "s1"] and sessions[2] not in (None, "s1")


def test_an_event_within_the_gap_continues_the_stored_session(
    db: Database, write: Write, settings: Settings
) -> None:
    import_files(db, SYSTEM, [write("first.csv", THREE_EVENTS)], settings=settings)
    stored_session = db.scalar(
        "SELECT session_id FROM events WHERE user_id = 'u1' AND activity_type = 'lesson'"
    )
    later = "user_id,timestamp,activity_type\nu1,2024-01-05T10:35:00Z,quiz\nu1,2024-01-05T12:00:00Z,quiz\n"
    import_files(db, SYSTEM, [write("second.csv", later)], settings=settings)
    rows = db.rows("SELECT timestamp, session_id FROM events WHERE user_id = 'u1' ORDER BY timestamp")
    assert [session for _, session in rows[:3]] == [stored_session] * 3
    assert rows[3][1] != stored_session
    assert db.rows("SELECT event_count, ended_at FROM sessions WHERE session_id = ?", [stored_session]) == [
        (3, datetime(2024, 1, 5, 10, 35))
    ]
    assert_rollups_current(db)


def test_unknown_users_get_the_consent_default(db: Database, write: Write) -> None:
    path = write("events.csv", THREE_EVENTS)
    summary = import_files(db, SYSTEM, [path], settings=Settings(consent_default=False))
    assert summary.users_created == 2
    assert db.rows("SELECT DISTINCT consent_analytics FROM users") == [(False,)]
    # Without consent nothing about the new users is stored.
    assert (summary.added, summary.skipped_consent) == (0, 3)


def test_events_of_users_who_withdrew_consent_are_skipped(
    db: Database, write: Write, settings: Settings
) -> None:
    db.rows("INSERT INTO users (user_id, consent_analytics) VALUES ('u1', false)")
    summary = import_files(db, SYSTEM, [write("events.csv", THREE_EVENTS)], settings=settings)
    assert (summary.added, summary.skipped_consent, summary.users_created) == (1, 2, 1)
    assert "skipped" in str(summary) and "2 consent withdrawn" in str(summary)
    assert db.rows("SELECT DISTINCT user_id FROM events") == [("u2",)]


def test_a_small_import_into_a_large_history_refreshes_rollups(
    db: Database, write: Write, settings: Settings
) -> None:
    many = "user_id,timestamp,activity_type,properties\n" + "".join(
        f'u{n % 7},2024-01-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z,exercise,"{{""score"": {n % 10}}}"\n'
        for n in range(300)
    )
    import_files(db, SYSTEM, [write("history.csv", many)], settings=settings)
    more = 'user_id,timestamp,activity_type,properties\nu1,2024-01-03T05:10:00Z,lesson,"{""score"": 4}"\nu9,2024-01-03T05:10:00Z,login,\n'
    summary = import_files(db, SYSTEM, [write("more.csv", more)], settings=settings)
    assert summary.added == 2
    assert_rollups_current(db)


def test_rollups_use_the_reporting_zone(db: Database, write: Write) -> None:
    path = write("events.csv", "user_id,timestamp,activity_type\nu1,2024-01-05T23:30:00Z,login\n")
    import_files(db, SYSTEM, [path], settings=Settings(reporting_timezone="Europe/Berlin"))
    assert db.scalar("SELECT day FROM user_daily") == datetime(2024, 1, 6).date()


def test_importing_needs_the_tracking_permission(db: Database, write: Write, settings: Settings) -> None:
    viewer = Viewer.for_role("pm", "product_manager")
    with pytest.raises(PermissionDenied, match="TRACK_ANALYTICS"):
        import_files(db, viewer, [write("events.csv", THREE_EVENTS)], settings=settings)
