"""Property-based tests of the importer: random CSV and JSON Lines files either import, or are refused
with ValidationError/AnalyticsError naming file, row and field, and a refused import changes no table."""

from __future__ import annotations

import csv
import io
import itertools
import json
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.backup import table_checksums
from analytics.db import Database
from analytics.errors import AnalyticsError, ValidationError
from analytics.ingest import import_files
from analytics.ingest.fields import EVENTS, USERS
from analytics.ingest.problems import PROBLEMS_SHOWN
from analytics.viewer import SYSTEM
from config.settings import Settings
from tests.hostile.conftest import INJECTIONS

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=16)
KEY = st.one_of(
    st.sampled_from([f.name for f in (*EVENTS.fields, *USERS.fields)] + ["User_ID", "TIMESTAMP", "", " "]),
    st.text(string.ascii_letters + string.digits + "_ -.é\"',", min_size=0, max_size=8),
)
TIMESTAMP = st.one_of(
    st.datetimes(timezones=st.sampled_from([None, UTC])).map(datetime.isoformat),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["2024-02-30T00:00:00Z", "yesterday", "1e15", "", "NaN", "-1"]),
)
LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    TEXT,
)
JSON = st.recursive(
    LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
)
VALUE = st.one_of(TEXT, TIMESTAMP, JSON, st.sampled_from(INJECTIONS))
ROWS = st.lists(st.dictionaries(KEY, VALUE, min_size=0, max_size=6), min_size=0, max_size=6)
REQUIRED = {"user_id": "u1", "activity_type": "lesson", "timestamp": "2025-01-02T03:04:05Z"}
"""Mixed into some rows, so that imports also succeed and not only fail."""


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    header = list(dict.fromkeys(key for row in rows for key in row))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[_cell(row.get(key)) for key in header] for row in rows])
    path.write_text(text.getvalue(), encoding="utf-8")


def write_jsonl(path: Path, rows: list[object]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def check_refusal(exc: AnalyticsError, name: str) -> None:
    """The message names the file, and for each problem shown its row and field."""
    message = str(exc)
    assert name in message or "--map" in message or "Name at least one" in message, message
    if isinstance(exc, ValidationError):
        assert exc.problems
        for problem in exc.problems[:PROBLEMS_SHOWN]:
            assert problem["reason"]
            if problem["row"] is not None:
                assert f"row {problem['row']}" in message
            if problem["field"] is not None:
                assert f"column {problem['field']}" in message


@pytest.fixture
def target(db: Database, tmp_path: Path):
    """Import `rows` as a file of the given format into `db`; check the outcome; returns whether it imported."""
    names = itertools.count()

    def import_rows(rows: list, file_format: str, kind: str) -> bool:
        path = tmp_path / f"input-{next(names)}.{file_format}"
        (write_csv if file_format == "csv" else write_jsonl)(path, rows)
        before = table_checksums(db.cursor())
        try:
            summary = import_files(db, SYSTEM, [path], kind=kind, settings=Settings())
        except AnalyticsError as exc:  # ValidationError included; anything else fails the test
            check_refusal(exc, path.name)
            assert table_checksums(db.cursor()) == before, "a refused import changed the database"
            return False
        assert summary.rows_read <= len(rows)
        after = table_checksums(db.cursor())
        assert after[kind]["rows"] == before[kind]["rows"] + summary.added
        if kind == "events":  # importing the same file again adds nothing
            assert import_files(db, SYSTEM, [path], settings=Settings()).added == 0
        return True

    return import_rows


HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HYPOTHESIS
@given(rows=ROWS, complete=st.booleans(), kind=st.sampled_from(["events", "users"]))
def test_any_csv_imports_or_is_refused_cleanly(target, rows, complete, kind):
    if complete:
        rows = [{**REQUIRED, **row} for row in rows]
    target(rows, "csv", kind)


@HYPOTHESIS
@given(
    rows=st.lists(st.one_of(st.dictionaries(KEY, VALUE, max_size=6), JSON), max_size=6),
    complete=st.booleans(),
    kind=st.sampled_from(["events", "users"]),
)
def test_any_json_lines_import_or_are_refused_cleanly(target, rows, complete, kind):
    if complete:
        rows = [{**REQUIRED, **row} if isinstance(row, dict) else row for row in rows]
    target(rows, "jsonl", kind)


def test_the_properties_reach_both_outcomes(target):
    """The strategies above are worth something only if valid files import: one of each, by hand."""
    assert target([REQUIRED, {**REQUIRED, "user_id": "u2", "score": 3}], "csv", "events")
    assert not target([{**REQUIRED, "timestamp": "yesterday"}], "jsonl", "events")
