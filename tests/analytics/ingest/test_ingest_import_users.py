"""Importing users: recognised fields, attributes, consent words, upsert and the same refusal rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.db import Database
from analytics.errors import ValidationError
from analytics.ingest import import_files
from analytics.viewer import SYSTEM
from config.settings import Settings
from tests.analytics.ingest.conftest import table_counts

Write = Callable[[str, str], Path]

USERS = """user_id,display_name,email,signup_at,plan,country,platform,consent_analytics,age,team
u1,Ada,ada@example.com,2024-01-05T10:00:00+01:00,pro,DE,web,yes,31,blue
u2,Bo,,1704448800,free,SE,ios,0,,
u3,Cy,cy@example.com,,,,,TRUE,27,red
"""


def users(db: Database) -> list[tuple]:
    return db.rows(
        "SELECT user_id, display_name, email, signup_at, plan, country, platform, consent_analytics, "
        "CAST(attributes AS VARCHAR) FROM users ORDER BY user_id"
    )


def test_users_are_stored_with_attributes(db: Database, write: Write, settings: Settings) -> None:
    summary = import_files(db, SYSTEM, [write("users.csv", USERS)], kind="users", settings=settings)
    assert (summary.rows_read, summary.users_created, summary.users_updated) == (3, 3, 0)
    assert users(db) == [
        (
            "u1",
            "Ada",
            "ada@example.com",
            datetime(2024, 1, 5, 9, 0),
            "pro",
            "DE",
            "web",
            True,
            '{"age":31,"team":"blue"}',
        ),
        ("u2", "Bo", None, datetime(2024, 1, 5, 10, 0), "free", "SE", "ios", False, None),
        ("u3", "Cy", "cy@example.com", None, None, None, None, True, '{"age":27,"team":"red"}'),
    ]


def test_reimporting_users_changes_nothing(db: Database, write: Write, settings: Settings) -> None:
    path = write("users.csv", USERS)
    import_files(db, SYSTEM, [path], kind="users", settings=settings)
    before = db.rows("SELECT * FROM users ORDER BY user_id")
    again = import_files(db, SYSTEM, [path], kind="users", settings=settings)
    assert (again.users_created, again.users_updated) == (0, 0)
    assert db.rows("SELECT * FROM users ORDER BY user_id") == before


def test_users_are_upserted(db: Database, write: Write, settings: Settings) -> None:
    import_files(db, SYSTEM, [write("users.csv", USERS)], kind="users", settings=settings)
    change = "user_id,plan,consent_analytics,team,level\nu1,team,,green,4\nu4,free,no,,\n"
    summary = import_files(db, SYSTEM, [write("change.csv", change)], kind="users", settings=settings)
    assert (summary.users_created, summary.users_updated) == (1, 1)
    found = {row[0]: row for row in users(db)}
    # Empty cells keep the stored value; attributes merge key by key.
    assert found["u1"][1:] == (
        "Ada", "ada@example.com", datetime(2024, 1, 5, 9, 0), "team", "DE", "web", True,
        '{"age":31,"team":"green","level":4}',
    )  # fmt: skip
    assert found["u4"][4] == "free" and found["u4"][7] is False


def test_the_last_row_of_a_user_wins(db: Database, write: Write, settings: Settings) -> None:
    text = "user_id,plan\nu1,free\nu1,pro\n"
    summary = import_files(db, SYSTEM, [write("users.csv", text)], kind="users", settings=settings)
    assert (summary.users_created, summary.duplicates) == (1, 1)
    assert db.scalar("SELECT plan FROM users") == "pro"


def test_users_made_by_events_get_their_profile(db: Database, write: Write, settings: Settings) -> None:
    events = write("events.csv", "user_id,timestamp,activity_type\nu1,2024-01-05,login\n")
    import_files(db, SYSTEM, [events], settings=settings)
    summary = import_files(db, SYSTEM, [write("users.csv", USERS)], kind="users", settings=settings)
    assert (summary.users_created, summary.users_updated) == (2, 1)
    assert db.scalar("SELECT display_name FROM users WHERE user_id = 'u1'") == "Ada"


def test_users_from_parquet_and_jsonl(db: Database, tmp_path: Path, write: Write, settings: Settings) -> None:
    table = pa.table({"user_id": [1, 2], "consent_analytics": [1, 0], "signup_at": [1704448800000, None]})
    pq.write_table(table, tmp_path / "users.parquet")
    lines = [{"user_id": "3", "consent_analytics": False, "attributes": {"beta": True}}]
    jsonl = write("users.jsonl", "\n".join(json.dumps(line) for line in lines))
    import_files(db, SYSTEM, [tmp_path / "users.parquet", jsonl], kind="users", settings=settings)
    assert db.rows(
        "SELECT user_id, consent_analytics, signup_at, CAST(attributes AS VARCHAR) FROM users ORDER BY 1"
    ) == [
        ("1", True, datetime(2024, 1, 5, 10, 0), None),
        ("2", False, None, None),
        ("3", False, None, '{"beta":true}'),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uid,plan\nu1,pro\n", "users.csv: missing required column user_id; found columns: uid, plan"),
        ("user_id,consent_analytics\nu1,maybe\n", "users.csv row 1, column consent_analytics: 'maybe' is not one of true/false, 1/0, yes/no"),
        ("user_id,signup_at\nu1,last week\n", "users.csv row 1, column signup_at: 'last week' is not ISO 8601"),
        ("user_id,plan\n,pro\n", "users.csv row 1, column user_id: is missing or empty"),
        ('user_id,attributes\nu1,"{""a"":"\n', "users.csv row 1, column attributes: '{\"a\":' is not valid JSON"),
    ],
)  # fmt: skip
def test_bad_user_rows_are_named_and_nothing_changes(
    db: Database, write: Write, settings: Settings, text: str, expected: str
) -> None:
    import_files(db, SYSTEM, [write("first.csv", USERS)], kind="users", settings=settings)
    before = table_counts(db), users(db)
    with pytest.raises(ValidationError, match="Nothing was imported") as raised:
        import_files(db, SYSTEM, [write("users.csv", text)], kind="users", settings=settings)
    assert expected in str(raised.value)
    assert (table_counts(db), users(db)) == before


def test_parquet_user_columns_of_the_wrong_type_are_named(
    db: Database, tmp_path: Path, settings: Settings
) -> None:
    table = pa.table({"user_id": ["u1"], "display_name": [["a", "b"]], "consent_analytics": [0.5]})
    pq.write_table(table, tmp_path / "users.parquet")
    with pytest.raises(ValidationError) as raised:
        import_files(db, SYSTEM, [tmp_path / "users.parquet"], kind="users", settings=settings)
    message = str(raised.value)
    assert "users.parquet, column display_name: is of type VARCHAR[]; expected text or an integer" in message
    assert (
        "users.parquet, column consent_analytics: is of type DOUBLE; expected true/false, 1/0 or yes/no"
        in message
    )
    assert table_counts(db)["users"] == 0


def test_an_unknown_kind_is_refused(db: Database, write: Write, settings: Settings) -> None:
    with pytest.raises(ValueError, match=r"must be one of \['events', 'users'\]"):
        import_files(db, SYSTEM, [write("x.csv", USERS)], kind="people", settings=settings)
