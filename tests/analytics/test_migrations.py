"""Migrations: a new database is created at the latest version, old ones upgrade, newer ones are refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analytics.db import Database
from analytics.errors import SchemaError
from analytics.migrations import available_migrations, current_version, latest_version, migrate


def test_new_database_gets_every_migration(db):
    assert current_version(db.connection) == latest_version()
    recorded = [row[0] for row in db.rows("SELECT version FROM schema_version ORDER BY version")]
    assert recorded == [number for number, _ in available_migrations()]


def test_old_database_is_upgraded(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(path))
    first_number, first_file = available_migrations()[0]
    connection.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    connection.execute(first_file.read_text())
    connection.execute("INSERT INTO schema_version VALUES (?, ?, now())", [first_number, first_file.stem])
    connection.execute("INSERT INTO users (user_id) VALUES ('kept')")
    connection.close()

    database = Database(path)
    assert current_version(database.connection) == latest_version()
    assert database.scalar("SELECT user_id FROM users") == "kept"
    database.close()


def test_newer_database_is_refused(tmp_path: Path):
    path = tmp_path / "newer.duckdb"
    Database(path).connection.execute("INSERT INTO schema_version VALUES (999, '0999_future', now())")
    with pytest.raises(
        SchemaError, match="has schema version 999, but this Pulse understands versions up to"
    ):
        _ = Database(path).connection  # opening is what is tested


def test_corrupt_file_is_refused(tmp_path: Path):
    path = tmp_path / "corrupt.duckdb"
    path.write_bytes(b"this is not a database" * 1000)
    with pytest.raises(SchemaError, match="cannot be opened"):
        _ = Database(path).connection  # opening is what is tested


def test_migrating_twice_changes_nothing(db):
    assert migrate(db.connection) == latest_version()
    assert db.scalar("SELECT count(*) FROM schema_version") == len(available_migrations())


def test_a_migration_that_landed_late_still_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE first (x INTEGER);")
    (folder / "0003_third.sql").write_text("CREATE TABLE third (x INTEGER);")
    monkeypatch.setattr("analytics.migrations.MIGRATIONS_DIR", folder)
    connection = duckdb.connect(str(tmp_path / "late.duckdb"))
    assert migrate(connection) == 3

    (folder / "0002_second.sql").write_text("CREATE TABLE second (x INTEGER);")
    migrate(connection)
    assert sorted(row[0] for row in connection.execute("SELECT version FROM schema_version").fetchall()) == [
        1,
        2,
        3,
    ]
    assert connection.execute("SELECT count(*) FROM second").fetchall() == [(0,)]


def test_events_keep_their_rows_and_order_when_event_ids_become_uncompressed(tmp_path: Path):
    path = tmp_path / "v8.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    for number, migration in available_migrations():
        if number < 9:
            connection.execute(migration.read_text())
            connection.execute("INSERT INTO schema_version VALUES (?, ?, now())", [number, migration.stem])
    connection.execute(
        "INSERT INTO events SELECT 'e' || (9 - range), 'u1', 'lesson', TIMESTAMP '2026-01-01' + INTERVAL (range) HOUR, "
        "'s1', '{\"score\": 1}', NULL, NULL, 'DE', NULL, TIMESTAMP '2026-02-01' FROM range(10)"
    )
    before = connection.execute("SELECT * FROM events").fetchall()
    connection.close()

    database = Database(path)
    assert database.rows("SELECT * FROM events") == before
    declared = database.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = 'events'")
    assert "event_id VARCHAR USING COMPRESSION Uncompressed NOT NULL" in declared
    database.close()
