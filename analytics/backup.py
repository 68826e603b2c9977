"""Backups: a consistent snapshot of the whole database as Parquet files, and restoring one into a new file.

`backup_database` runs DuckDB's EXPORT DATABASE inside one read transaction of the open Database, so
the files hold one moment of every table even while the app keeps writing (DuckDB's MVCC: the snapshot
never sees later commits). Next to DuckDB's schema.sql, load.sql and one Parquet file per table it writes
manifest.json: versions, every table's row count and checksum, every file's SHA-256.
`restore_database` checks the files against the manifest, imports them into a new file, compares every
table with the manifest and only then moves the file into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from analytics import __version__, audit
from analytics.db import Database, quote_ident
from analytics.errors import AnalyticsError
from analytics.migrations import latest_version
from analytics.viewer import Viewer
from config.permissions import Permission

MANIFEST = "manifest.json"
FORMAT = "pulse-backup"
FORMAT_VERSION = 1
BACKUPS_FOLDER = "backups"
"""Backups the running app writes (POST /api/v1/backup) go to this folder beside the database file."""
_BACKUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LOAD_STATEMENT = re.compile(r"^COPY \S+ FROM '(?:[^']|'')*' \(FORMAT '?parquet'?\);?$", re.I)


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or restore covered: the folder, the schema version and rows per table."""

    folder: Path
    schema_version: int
    rows: dict[str, int]
    seconds: float

    def __str__(self) -> str:
        return (
            f"{len(self.rows)} tables, {sum(self.rows.values()):,} rows (schema version {self.schema_version}) "
            f"in {self.folder}; {self.seconds:.1f} s"
        )


def table_checksums(cursor: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int | str]]:
    """Every table's row count and content checksum (order-independent sum of row hashes), by name."""
    names = [
        row[0]
        for row in cursor.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database() "
            "ORDER BY table_name"
        ).fetchall()
    ]
    figures = {}
    for name in names:
        rows, checksum = cursor.execute(
            f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {quote_ident(name)} AS t"
        ).fetchall()[0]
        figures[name] = {"rows": rows, "checksum": str(checksum)}
    return figures


def backup_database(
    db: Database, viewer: Viewer, out_dir: str | Path, *, source: str = "cli"
) -> BackupSummary:
    """Write a consistent snapshot of `db` into the new or empty folder `out_dir`; admins only, audited."""
    viewer.require(Permission.MANAGE_ACCOUNTS)  # the files hold password hashes and token digests
    started = time.perf_counter()
    folder = Path(out_dir).resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise AnalyticsError(
            f"The backup folder {folder} already exists and is not empty; name a new folder."
        )
    folder.mkdir(parents=True, exist_ok=True)
    cursor = db.cursor()
    cursor.execute("BEGIN TRANSACTION")
    try:
        tables = table_checksums(cursor)  # the same snapshot as the export below
        version = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
        cursor.execute(f"EXPORT DATABASE {_sql_text(folder)} (FORMAT parquet)")
    finally:
        cursor.execute("ROLLBACK")  # nothing was written: the snapshot is released
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pulse_version": __version__,
        "duckdb_version": duckdb.__version__,
        "schema_version": version,
        "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        "tables": tables,
        "files": {path.name: _sha256(path) for path in sorted(folder.iterdir())},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    summary = BackupSummary(folder, version, _rows(tables), time.perf_counter() - started)
    audit.log(
        db,
        viewer.account,
        "backup",
        target=str(folder),
        detail={"rows": sum(summary.rows.values())},
        source=source,
    )
    return summary


def backup_in_place(db: Database, viewer: Viewer, name: str | None = None) -> BackupSummary:
    """Back up the running app's database into backups/NAME beside its file (NAME defaults to the time).

    The API's way in: a name, never a path, so a request cannot write outside that folder.
    """
    viewer.require(Permission.MANAGE_ACCOUNTS)
    name = name or datetime.now(UTC).strftime("pulse-%Y%m%d-%H%M%S")
    if not _BACKUP_NAME.match(name):  # starts with a letter or digit, so never "." or ".."
        raise AnalyticsError(
            f"The backup name {name!r} is not allowed: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return backup_database(db, viewer, db.path.parent / BACKUPS_FOLDER / name, source="api")


def read_manifest(folder: str | Path) -> dict:
    """The manifest of the backup in `folder`; AnalyticsError when the folder holds no Pulse backup."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise AnalyticsError(f"{Path(folder)} holds no Pulse backup: {MANIFEST} is missing.") from exc
    except ValueError as exc:
        raise AnalyticsError(f"{path} is not valid JSON ({exc}); the backup is damaged.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AnalyticsError(f"{path} is not a Pulse backup manifest (its format is not {FORMAT!r}).")
    if (
        manifest.get("format_version") != FORMAT_VERSION
        or manifest.get("schema_version", 0) > latest_version()
    ):
        raise AnalyticsError(
            f"The backup in {Path(folder)} was made by a newer Pulse (backup format "
            f"{manifest.get('format_version')}, schema version {manifest.get('schema_version')}); "
            f"this Pulse reads format {FORMAT_VERSION} up to schema version {latest_version()}. Upgrade Pulse."
        )
    return manifest


def restore_database(from_dir: str | Path, path: str | Path, *, force: bool = False) -> BackupSummary:
    """Restore the backup in `from_dir` into the database file `path` (an existing one only with `force`).

    Nothing at `path` changes unless every file matches the manifest and every restored table holds
    the rows the manifest lists. The file at `path` must not be open in a running app.
    """
    started = time.perf_counter()
    folder = Path(from_dir).resolve()
    target = Path(path).resolve()
    manifest = read_manifest(folder)
    _check_files(folder, manifest)
    if target.exists() and not force:
        raise AnalyticsError(
            f"{target} already exists; restoring would replace it. Pass --force to replace it, "
            "or restore into a new file and point backend_url at it."
        )
    if target.exists():
        check_not_in_use(target, "Stop the app before restoring over its database.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.restoring")
    _remove(staging)
    try:
        connection = duckdb.connect(str(staging))
        try:
            connection.execute(f"IMPORT DATABASE {_sql_text(folder)}")
            _check_tables(connection, manifest)
        finally:
            connection.close()
        # A write-ahead log left by the replaced file would be replayed onto the restored one.
        _remove(target.with_name(f"{target.name}.wal"))
        os.replace(staging, target)
    finally:
        _remove(staging)
    return BackupSummary(
        target, manifest["schema_version"], _rows(manifest["tables"]), time.perf_counter() - started
    )


def _check_files(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there unchanged, and the SQL files only create and load tables."""
    for name, digest in manifest.get("files", {}).items():
        file = folder / name
        if not file.is_file() or _sha256(file) != digest:
            raise AnalyticsError(
                f"The backup file {file} is missing or changed since the backup was made; the backup is damaged."
            )
    # IMPORT DATABASE runs these two files: anything but what EXPORT DATABASE writes is refused.
    for name, kind in (("schema.sql", duckdb.StatementType.CREATE), ("load.sql", duckdb.StatementType.COPY)):
        if name not in manifest.get("files", {}):
            raise AnalyticsError(f"The backup in {folder} lists no {name}; it was not made by Pulse.")
        for statement in duckdb.extract_statements((folder / name).read_text()):
            text = statement.query.strip()
            if statement.type != kind or (
                kind == duckdb.StatementType.COPY and not _LOAD_STATEMENT.match(text)
            ):
                raise AnalyticsError(
                    f"{folder / name} holds a statement Pulse does not write: {text[:80]!r}."
                )


def _check_tables(connection: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    """The restored tables hold the manifest's rows (and, on the same DuckDB version, the same checksums)."""
    restored = table_checksums(connection)
    expected = manifest["tables"]
    same_engine = manifest.get("duckdb_version") == duckdb.__version__
    for name in sorted(set(expected) | set(restored)):
        want, got = expected.get(name), restored.get(name)
        if want is None or got is None or want["rows"] != got["rows"] or (same_engine and want != got):
            raise AnalyticsError(
                f"The restored table {name!r} does not match the backup (expected {want}, got {got}); "
                "nothing was replaced."
            )


def check_not_in_use(path: Path, advice: str) -> None:
    """AnalyticsError with `advice` when another process (the running app) holds the database file."""
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        raise AnalyticsError(
            f"{path} is in use by another process (DuckDB lets one process open a file: {exc}). {advice}"
        ) from exc


def _sql_text(path: Path) -> str:
    """`path` as an SQL string literal: EXPORT and IMPORT DATABASE take no parameters."""
    return "'" + str(path).replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(tables: dict[str, dict[str, int | str]]) -> dict[str, int]:
    return {name: int(figures["rows"]) for name, figures in tables.items()}


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
