"""The right-of-access zip holds every table with the user's rows, only theirs, in JSON and safe CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from analytics.audit import read_log
from analytics.db import Database
from analytics.errors import NotFoundError, PermissionDenied
from analytics.privacy import export_user_data
from analytics.viewer import SYSTEM, Viewer

ALICE = Viewer.for_role("alice", "member", user_id="u1")
TABLES = ["events", "predictions", "sessions", "user_daily", "user_daily_activity", "users"]


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_the_zip_holds_json_and_csv_for_each_table_with_rows_plus_a_readme(filled_db: Database) -> None:
    files = unzip(export_user_data(filled_db, ALICE, "u1"))

    expected = {"README.txt"} | {f"{t}.json" for t in TABLES} | {f"{t}.csv" for t in TABLES}
    assert set(files) == expected
    for table in TABLES:
        assert f"{table}.json, {table}.csv" in files["README.txt"]
    assert "events.json, events.csv (5 rows)" in files["README.txt"]


def test_only_the_users_rows_are_included(filled_db: Database) -> None:
    files = unzip(export_user_data(filled_db, SYSTEM, "u1"))

    for table in TABLES:
        records = json.loads(files[f"{table}.json"])
        rows = list(csv.DictReader(io.StringIO(files[f"{table}.csv"])))
        expected = filled_db.scalar(f"SELECT count(*) FROM {table} WHERE user_id = 'u1'")
        assert len(records) == len(rows) == expected
        assert {r["user_id"] for r in records} == {r["user_id"] for r in rows} == {"u1"}
    assert "bob" not in "".join(files.values())


def test_values_are_iso_utc_nested_json_and_formula_safe(filled_db: Database) -> None:
    files = unzip(export_user_data(filled_db, ALICE, "u1"))

    event = json.loads(files["events.json"])[0]
    assert event["timestamp"] == "2024-05-01T10:00:00Z"
    assert event["properties"] == {"duration_s": 60, "score": 80}
    assert files["events.csv"].splitlines()[0].startswith("event_id,user_id,activity_type,timestamp,")
    day = json.loads(files["user_daily.json"])[0]
    assert (day["day"], day["features"]) == ("2024-05-01", [])
    user = json.loads(files["users.json"])[0]
    assert user["email"] == "alice@example.com"
    assert user["attributes"] == {"city": '=HYPERLINK("http://x")'}
    csv_user = next(csv.DictReader(io.StringIO(files["users.csv"])))
    assert csv_user["attributes"] == '{"city": "=HYPERLINK(\\"http://x\\")"}'
    assert csv_user["signup_at"] == "2024-01-05T09:00:00Z"


def test_formula_cells_get_an_apostrophe_in_csv_only(filled_db: Database) -> None:
    with filled_db.transaction() as cursor:
        cursor.execute("UPDATE users SET display_name = '=cmd|'' /C calc''!A0' WHERE user_id = 'u1'")
    files = unzip(export_user_data(filled_db, ALICE, "u1"))

    assert next(csv.DictReader(io.StringIO(files["users.csv"])))["display_name"] == "'=cmd|' /C calc'!A0"
    assert json.loads(files["users.json"])[0]["display_name"] == "=cmd|' /C calc'!A0"


def test_each_download_is_audited(filled_db: Database) -> None:
    export_user_data(filled_db, ALICE, "u1", source="web")

    entry = read_log(filled_db, SYSTEM, action="data_access_export").iloc[0]
    assert (entry.actor, entry.target, entry.source) == ("alice", "u1", "web")
    assert json.loads(entry.detail)["rows"]["events"] == 5


def test_a_member_cannot_download_someone_elses_data(filled_db: Database) -> None:
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        export_user_data(filled_db, ALICE, "u2")
    assert read_log(filled_db, SYSTEM, action="data_access_export").empty


def test_unknown_user_is_not_found(filled_db: Database) -> None:
    with pytest.raises(NotFoundError, match="User 'nobody' has no rows in any table"):
        export_user_data(filled_db, SYSTEM, "nobody")


def test_later_tables_are_included_without_credential_columns(filled_db: Database) -> None:
    with filled_db.transaction() as cursor:
        cursor.execute("CREATE TABLE later_logins (user_id VARCHAR, login VARCHAR, password_hash VARCHAR)")
        cursor.execute("INSERT INTO later_logins VALUES ('u1', 'alice', 'scrypt$secret')")
    files = unzip(export_user_data(filled_db, ALICE, "u1"))

    assert json.loads(files["later_logins.json"]) == [{"user_id": "u1", "login": "alice"}]
    assert "Rows of the later_logins table about you." in files["README.txt"]
    assert "scrypt" not in "".join(files.values())
