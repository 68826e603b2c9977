"""Refused imports: every problem names file, row, column and reason, and the database stays as it was."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics import rollups
from analytics.db import Database
from analytics.errors import ValidationError
from analytics.ingest import import_files
from analytics.viewer import SYSTEM
from config.settings import Settings
from tests.analytics.ingest.conftest import table_counts

Write = Callable[[str, str], Path]

GOOD = "user_id,timestamp,activity_type\nu1,2024-01-05T10:00:00Z,login\n"


@pytest.fixture
def used_db(db: Database, write: Write, settings: Settings) -> Iterator[Database]:
    """A database holding one event, whose every table must look the same after a refused import."""
    import_files(db, SYSTEM, [write("good.csv", GOOD)], settings=settings)
    before = table_counts(db)
    stored = db.rows("SELECT * FROM events")
    yield db
    assert table_counts(db) == before
    assert db.rows("SELECT * FROM events") == stored


def refused(db: Database, paths: list[Path], settings: Settings, **options: object) -> ValidationError:
    with pytest.raises(ValidationError, match="Nothing was imported") as raised:
        import_files(db, SYSTEM, paths, settings=settings, **options)
    return raised.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "uid,timestamp,kind\nu1,2024-01-05,login\n",
            "events.csv: missing required columns user_id, activity_type; found columns: uid, timestamp, kind",
        ),
        ("user_id,timestamp,activity_type\n", "events.csv: has no data rows"),
        (
            GOOD + "u2,yesterday,login\n",
            "events.csv row 2, column timestamp: 'yesterday' is not ISO 8601 or epoch seconds/milliseconds",
        ),
        (
            GOOD + "u2,1e15,login\n",
            "events.csv row 2, column timestamp: 1e15 is too large for epoch seconds/milliseconds",
        ),
        (
            'user_id,timestamp,activity_type,properties\nu1,2024-01-05,login,"{oops"\n',
            "events.csv row 1, column properties: '{oops' is not valid JSON",
        ),
        (
            'user_id,timestamp,activity_type,properties\nu1,2024-01-05,login,"[1, 2]"\n',
            "events.csv row 1, column properties: '[1, 2]' is JSON but not an object",
        ),
        (
            GOOD + ",2024-01-05,login\n",
            "events.csv row 2, column user_id: is missing or empty; a value is required",
        ),
        (GOOD + "u2,2024-01-05,  \n", "events.csv row 2, column activity_type: is missing or empty"),
        (GOOD + "u2,,login\n", "events.csv row 2, column timestamp: is missing or empty"),
        (GOOD + "u2,2024-01-05,login,extra\n", "events.csv row 2: has 4 fields, but the header has 3"),
        (GOOD + "u2,2024-01-05\n", "events.csv row 2: has 2 fields, but the header has 3"),
    ],
)
def test_bad_csv_rows_are_named(
    used_db: Database, write: Write, settings: Settings, text: str, expected: str
) -> None:
    error = refused(used_db, [write("events.csv", text)], settings)
    assert expected in str(error)
    assert "Traceback" not in str(error)


def test_problems_carry_row_field_and_reason(used_db: Database, write: Write, settings: Settings) -> None:
    error = refused(used_db, [write("events.csv", GOOD + "u2,soon,login\n")], settings)
    assert error.problems == [
        {
            "source": "events.csv",
            "row": 2,
            "field": "timestamp",
            "reason": "'soon' is not ISO 8601 or epoch seconds/milliseconds",
        }
    ]


def test_the_first_twenty_problems_and_the_total_are_shown(
    used_db: Database, write: Write, settings: Settings
) -> None:
    text = "user_id,timestamp,activity_type\n" + "u1,never,login\n" * 25
    message = str(refused(used_db, [write("events.csv", text)], settings))
    assert "25 problems found; the first 20:" in message
    assert message.count("is not ISO 8601") == 20
    assert "row 20, column timestamp" in message and "row 21," not in message


def test_messages_name_the_input_column_under_map(
    used_db: Database, write: Write, settings: Settings
) -> None:
    path = write("events.csv", "uid,ts,activity_type\nu1,later,login\n")
    error = refused(used_db, [path], settings, column_map={"uid": "user_id", "ts": "timestamp"})
    assert "events.csv row 1, column ts: 'later' is not ISO 8601" in str(error)


def test_a_map_entry_matching_no_column_is_refused(
    used_db: Database, write: Write, settings: Settings
) -> None:
    error = refused(used_db, [write("events.csv", GOOD)], settings, column_map={"usr": "user_id"})
    assert "usr=user_id: no input has a column 'usr'" in str(error)


def test_two_columns_for_one_field_are_refused(used_db: Database, write: Write, settings: Settings) -> None:
    path = write("events.csv", "user_id,uid,timestamp,activity_type\nu1,u1,2024-01-05,login\n")
    error = refused(used_db, [path], settings, column_map={"uid": "user_id"})
    assert "column uid: would become 'user_id', like the column 'user_id'" in str(error)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", "", "empty.csv: the file is empty (0 bytes)"),
        ("events.txt", GOOD, "events.txt: the format cannot be told from the extension '.txt'"),
        ("broken.parquet", "not parquet at all", "broken.parquet: cannot be read as PARQUET"),
        ("events.jsonl", '{"user_id": "u1"}\n{"user_id": \n', "events.jsonl row 2: is not valid JSON"),
    ],
)
def test_unreadable_files_are_named(
    used_db: Database, write: Write, settings: Settings, name: str, content: str, expected: str
) -> None:
    assert expected in str(refused(used_db, [write(name, content)], settings))


def test_a_missing_file_or_a_folder_is_named(used_db: Database, tmp_path: Path, settings: Settings) -> None:
    message = str(refused(used_db, [tmp_path / "nothere.csv", tmp_path], settings))
    assert "nothere.csv: no such file" in message
    assert "is a folder, not a file" in message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_named(used_db: Database, write: Write, settings: Settings) -> None:
    path = write("secret.csv", GOOD)
    path.chmod(0)
    assert "secret.csv: cannot be read: permission denied" in str(refused(used_db, [path], settings))


def test_one_bad_file_of_several_stops_them_all(used_db: Database, write: Write, settings: Settings) -> None:
    good = write("more.csv", "user_id,timestamp,activity_type\nu7,2024-02-01,login\n")
    bad = write("bad.csv", "user_id,timestamp,activity_type\nu8,whenever,login\n")
    assert "bad.csv row 1, column timestamp" in str(refused(used_db, [good, bad], settings))


def test_parquet_columns_of_the_wrong_type_are_named(
    used_db: Database, tmp_path: Path, settings: Settings
) -> None:
    table = pa.table(
        {
            "user_id": pa.array([{"id": 1}], pa.struct([("id", pa.int64())])),
            "timestamp": pa.array([True]),
            "activity_type": ["login"],
        }
    )
    pq.write_table(table, tmp_path / "events.parquet")
    message = str(refused(used_db, [tmp_path / "events.parquet"], settings))
    assert (
        "events.parquet, column user_id: is of type STRUCT(id BIGINT); expected text or an integer" in message
    )
    assert "events.parquet, column timestamp: is of type BOOLEAN" in message


def test_jsonl_values_of_the_wrong_type_are_named(
    used_db: Database, write: Write, settings: Settings
) -> None:
    lines = [
        {"user_id": {"id": 1}, "timestamp": "2024-01-05", "activity_type": "login"},
        {"user_id": "u2", "timestamp": [2024], "activity_type": "login", "properties": "plain text"},
    ]
    path = write("events.jsonl", "\n".join(json.dumps(line) for line in lines))
    message = str(refused(used_db, [path], settings))
    assert "events.jsonl row 1, column user_id: '{\"id\":1}' is not text or an integer" in message
    assert "events.jsonl row 2, column timestamp: '[2024]' is not ISO 8601" in message
    assert "events.jsonl row 2, column properties: '\"plain text\"' is JSON but not an object" in message


def test_a_failure_after_checks_leaves_the_database_unchanged(
    used_db: Database, write: Write, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollups, "rebuild_all", broken)
    monkeypatch.setattr(rollups, "refresh_for", broken)
    path = write("more.csv", "user_id,timestamp,activity_type\nu7,2024-02-01,login\n")
    with pytest.raises(RuntimeError, match="disk full"):
        import_files(used_db, SYSTEM, [path], settings=settings)
