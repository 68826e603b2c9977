"""Plain tracked events are read in Python to exactly what the import's SQL reads; others go to the SQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from analytics.db import forget_database, open_database
from analytics.ingest import plain_events, track_events, tracking
from analytics.viewer import Viewer
from config.settings import Settings

STORED = (
    "SELECT event_id, user_id, activity_type, timestamp, session_id, CAST(properties AS VARCHAR), "
    "ip_address, user_agent, country, city FROM events ORDER BY event_id"
)


def event(n: int = 1, **fields: object) -> dict[str, object]:
    return {
        "event_id": f"e{n}",
        "user_id": "u1",
        "activity_type": "lesson",
        "timestamp": "2024-01-05T10:00:00Z",
        **fields,
    }


PLAIN = [
    event(),
    event(timestamp="2024-01-05 10:00:00.5+05:30"),
    event(timestamp="2024-01-05T10:00:00.000001-03:30"),
    event(timestamp="2024-01-05T10:00:00"),
    event(timestamp="2024-02-29T23:59:59+23:59"),
    event(timestamp=1704448800),
    event(timestamp=1704448800123),
    event(user_id=42, event_id=-7, activity_type="a b"),
    event(properties={"score": 0.5, "tags": ["x", {"é": None}], "n": 10**20}),
    event(properties={}, session_id="s1", ip_address="10.0.0.1", user_agent="Mozilla/5.0 (X11)"),
    event(country="Deutschland", city="Zürich 🙂", properties=None),
]
NOT_PLAIN = [
    event(level=3),  # an extra key goes into properties
    event(Timestamp="2024-01-05T10:00:00Z"),  # field names are matched case-insensitively
    {key: value for key, value in event().items() if key != "event_id"},  # the id is derived
    event(event_id=""),
    event(user_id=" u1"),
    event(user_id="u1 "),
    event(user_id="u1\t"),
    event(user_id=True),
    event(user_id=2**63),
    event(activity_type=1.5),
    event(timestamp="2024-01-05T10:00:00.1234567Z"),
    event(timestamp="2024-01-05T24:00:00Z"),
    event(timestamp="2024-13-05T10:00:00Z"),
    event(timestamp="0999-01-05T10:00:00Z"),
    event(timestamp="1704448800"),
    event(timestamp=1704448800.5),
    event(timestamp=10**15),
    event(properties=[1]),
    event(properties={"x": float("nan")}),
    "not an object",
]


def stored(tmp_path: Path, name: str, payload: object, settings: Settings) -> tuple[list, object]:
    """(stored rows, result) of tracking `payload` into a new database called `name`."""
    db = open_database(tmp_path / f"{name}.duckdb")
    try:
        result = track_events(db, Viewer.for_role("ann", "analyst"), payload, settings=settings)
        return db.rows(STORED), result
    finally:
        forget_database(db.path)


@pytest.mark.parametrize("record", PLAIN, ids=range(len(PLAIN)))
def test_plain_events_are_stored_as_the_sql_stores_them(tmp_path, monkeypatch, record):
    settings = Settings()
    assert plain_events.plain_columns([record], tracking._JSON, naive_is_utc=True) is not None
    fast = stored(tmp_path, "fast", [record, event(2)], settings)
    monkeypatch.setattr(tracking, "plain_columns", lambda *args, **kwargs: None)
    assert stored(tmp_path, "sql", [record, event(2)], settings) == fast


@pytest.mark.parametrize("record", NOT_PLAIN, ids=range(len(NOT_PLAIN)))
@pytest.mark.parametrize("place", ["alone", "first", "middle", "last"])
def test_other_records_go_through_the_import_rules(record, place):
    """Fields are read a column at a time: a record that is not plain is found wherever it is."""
    batch = {
        "alone": [record],
        "first": [record, event()],
        "middle": [event(), record, event()],
        "last": [event(), record],
    }
    assert plain_events.plain_columns(batch[place], tracking._JSON, naive_is_utc=True) is None


def test_a_plain_batch_reads_field_by_field_as_record_by_record():
    columns = plain_events.plain_columns(PLAIN, tracking._JSON, naive_is_utc=True)
    assert columns is not None
    for row, record in enumerate(PLAIN):
        alone = plain_events.plain_columns([record], tracking._JSON, naive_is_utc=True)
        assert {name: values[row] for name, values in columns.items() if name != "_row"} == {
            name: values[0] for name, values in alone.items() if name != "_row"
        }
    assert columns["_row"] == list(range(len(PLAIN)))


def test_naive_times_are_plain_only_when_the_import_zone_is_utc(tmp_path):
    naive = event(timestamp="2024-01-05T10:00:00")
    assert plain_events.plain_columns([naive], tracking._JSON, naive_is_utc=False) is None
    rows, _ = stored(tmp_path, "berlin", naive, replace(Settings(), import_timezone="Europe/Berlin"))
    assert str(rows[0][3]) == "2024-01-05 09:00:00"


def test_a_duplicate_in_a_plain_batch_is_reported_as_the_sql_reports_it(tmp_path):
    rows, result = stored(tmp_path, "dupes", [event(1), event(1), event(2)], Settings())
    assert (result.accepted, result.duplicates, result.event_ids) == (2, 1, ["e1", "e1", "e2"])
    assert [row[0] for row in rows] == ["e1", "e2"]


def stored_together(tmp_path: Path, name: str, calls: list[list], *, read: bool) -> tuple[list, list]:
    """(stored rows, results) of `calls` written as one group, read in Python first when `read`."""
    settings = Settings()
    group = [tracking._Read(records) for records in calls]
    for records in group:
        records.plain = (
            plain_events.plain_columns(records, tracking._JSON, naive_is_utc=True) if read else None
        )
    db = open_database(tmp_path / f"{name}.duckdb")
    try:
        results = tracking._store(db, group, settings=settings, queue_rollups=True)
        return db.rows(STORED), results
    finally:
        forget_database(db.path)


def test_calls_read_apart_are_stored_as_one_batch(tmp_path):
    calls = [[event(1), event(2, user_id="u2")], [event(3, session_id="s1")], [event(1), event(4)]]
    rows, results = stored_together(tmp_path, "read", calls, read=True)
    assert (rows, results) == stored_together(tmp_path, "sql", calls, read=False)
    assert [row[0] for row in rows] == ["e1", "e2", "e3", "e4"]
    assert [(result.accepted, result.duplicates) for result in results] == [(2, 0), (1, 0), (1, 1)]


def test_one_call_that_is_not_plain_sends_its_group_through_the_import_rules(tmp_path):
    calls = [[event(1)], [event(2, level=3)]]
    rows, results = stored_together(tmp_path, "mixed", calls, read=True)
    assert (rows, results) == stored_together(tmp_path, "sql", calls, read=False)
    assert rows[1][5] == '{"level":3}'
