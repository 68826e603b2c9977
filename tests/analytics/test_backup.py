"""Backups restore into a fresh file table for table, hold one moment even during writes, refuse damage."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from analytics.backup import MANIFEST, backup_database, read_manifest, restore_database, table_checksums
from analytics.cli import main
from analytics.db import Database
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.ingest import track_events
from analytics.viewer import SYSTEM, Viewer


def checksums(path: Path) -> dict[str, dict[str, int | str]]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return table_checksums(connection)
    finally:
        connection.close()


def test_restore_reproduces_every_table(seeded_db: Database, tmp_path: Path):
    before = table_checksums(seeded_db.cursor())
    summary = backup_database(seeded_db, SYSTEM, tmp_path / "backup")
    assert summary.rows == {name: figures["rows"] for name, figures in before.items()}
    assert summary.rows["events"] > 10_000 and summary.rows["user_daily"] > 1_000

    restored = restore_database(tmp_path / "backup", tmp_path / "fresh" / "pulse.duckdb")
    assert restored.rows == summary.rows
    assert checksums(tmp_path / "fresh" / "pulse.duckdb") == before  # every table: rows and content
    print(
        f"figure: backup of {sum(summary.rows.values()):,} rows in {summary.seconds:.2f} s, restore in {restored.seconds:.2f} s"
    )


def test_sequences_continue_after_a_restore(db: Database, tmp_path: Path):
    for _ in range(3):
        db.scalar("SELECT nextval('audit_log_ids')")
    backup_database(db, SYSTEM, tmp_path / "backup")
    restore_database(tmp_path / "backup", tmp_path / "restored.duckdb")
    connection = duckdb.connect(str(tmp_path / "restored.duckdb"))
    assert connection.execute("SELECT nextval('audit_log_ids')").fetchall() == [(4,)]
    connection.close()


def _batch(number: int, size: int = 50) -> list[dict[str, object]]:
    return [
        {
            "event_id": f"e{number}-{index}",
            "user_id": f"u{index % 7}",
            "activity_type": "lesson" if index % 3 else "exercise",
            "timestamp": f"2025-03-{1 + number % 28:02d}T{index % 24:02d}:00:00Z",
        }
        for index in range(size)
    ]


def test_a_backup_during_writes_holds_one_moment(db: Database, tmp_path: Path):
    stop = threading.Event()
    batches = [0]

    def write() -> None:
        while not stop.is_set():
            track_events(db, SYSTEM, _batch(batches[0]), queue_rollups=False)  # rollups in the same commit
            batches[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while batches[0] < 5:
            time.sleep(0.01)
        backup_database(db, SYSTEM, tmp_path / "backup", source="app")
        written_at_backup = batches[0]
        while batches[0] < written_at_backup + 5:
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    restore_database(tmp_path / "backup", tmp_path / "restored.duckdb")
    restored = duckdb.connect(str(tmp_path / "restored.duckdb"), read_only=True)
    events, daily, sessions = restored.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT sum(event_count) FROM user_daily), "
        "(SELECT sum(event_count) FROM sessions)"
    ).fetchall()[0]
    restored.close()
    assert events % 50 == 0 and 0 < events < db.scalar("SELECT count(*) FROM events")
    assert daily == sessions == events
    print(
        f"figure: backup taken during writes holds {events:,} events of {db.scalar('SELECT count(*) FROM events'):,}"
    )


@pytest.fixture
def backup(db: Database, tmp_path: Path) -> Path:
    track_events(db, SYSTEM, _batch(1), queue_rollups=False)
    backup_database(db, SYSTEM, tmp_path / "backup")
    return tmp_path / "backup"


def test_restore_replaces_an_existing_file_only_with_force(backup: Path, tmp_path: Path):
    target = tmp_path / "existing.duckdb"
    duckdb.connect(str(target)).close()
    with pytest.raises(AnalyticsError, match="already exists; restoring would replace it. Pass --force"):
        restore_database(backup, target)
    assert checksums(target) == {}
    restore_database(backup, target, force=True)
    assert checksums(target)["events"]["rows"] == 50


def test_a_damaged_backup_changes_nothing(backup: Path, tmp_path: Path):
    (backup / "events.parquet").write_bytes(b"not parquet")
    with pytest.raises(
        AnalyticsError, match="events.parquet is missing or changed since the backup was made"
    ):
        restore_database(backup, tmp_path / "restored.duckdb")
    assert not (tmp_path / "restored.duckdb").exists()


def test_statements_export_does_not_write_are_refused(backup: Path, tmp_path: Path):
    load = backup / "load.sql"
    load.write_text(load.read_text() + f"COPY events TO '{tmp_path / 'stolen.csv'}';\n")
    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["files"]["load.sql"] = hashlib.sha256(load.read_bytes()).hexdigest()
    (backup / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(
        AnalyticsError, match='load.sql holds a statement Pulse does not write: "COPY events TO'
    ):
        restore_database(backup, tmp_path / "restored.duckdb")
    assert not (tmp_path / "stolen.csv").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "is not a Pulse backup manifest"),
        ({"schema_version": 9999}, "was made by a newer Pulse"),
    ],
)
def test_foreign_or_newer_backups_are_refused(backup: Path, change: dict, message: str):
    manifest = json.loads((backup / MANIFEST).read_text())
    (backup / MANIFEST).write_text(json.dumps({**manifest, **change}))
    with pytest.raises(AnalyticsError, match=message):
        read_manifest(backup)


def test_a_folder_without_a_backup_is_refused(tmp_path: Path):
    with pytest.raises(AnalyticsError, match="holds no Pulse backup: manifest.json is missing"):
        restore_database(tmp_path, tmp_path / "restored.duckdb")


def test_backups_need_an_admin_and_a_new_folder(backup: Path, db: Database):
    with pytest.raises(PermissionDenied):
        backup_database(db, Viewer.for_role("ann", "analyst"), backup.parent / "other")
    with pytest.raises(AnalyticsError, match="already exists and is not empty; name a new folder"):
        backup_database(db, SYSTEM, backup)


def test_cli_backup_then_restore(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    track_events(db, SYSTEM, _batch(2), queue_rollups=False)
    db.close()  # the command line opens the file itself, as when the app is stopped
    assert main(["backup", "--out", str(tmp_path / "b"), "--db", str(db.path)]) == 0
    assert main(["restore", "--from", str(tmp_path / "b"), "--db", str(tmp_path / "r.duckdb")]) == 0
    assert main(["restore", "--from", str(tmp_path / "b"), "--db", str(tmp_path / "r.duckdb")]) == 2
    out, err = capsys.readouterr()
    assert "Backed up" in out and "Restored" in out and "Pass --force" in err
    assert checksums(tmp_path / "r.duckdb")["events"]["rows"] == 50


def test_cli_refuses_a_database_the_app_holds(backup: Path, db: Database, tmp_path: Path, capsys):
    db.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_FILE.format(path=str(db.path))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["backup", "--out", str(tmp_path / "b"), "--db", str(db.path)]) == 2
        assert "is in use by another process" in capsys.readouterr().err
        assert main(["restore", "--from", str(backup), "--db", str(db.path), "--force"]) == 2
        assert "Stop the app before restoring over its database" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "b").exists()


HOLD_THE_FILE = (
    "import duckdb, time; c = duckdb.connect({path!r}); print('ready', flush=True); time.sleep(60)"
)
"""A stand-in for the running app: another process with the database file open."""
