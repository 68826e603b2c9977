"""Numbered schema migrations, applied in order when a database is opened.

Each `NNNN_name.sql` file runs once, in its own transaction, and records its number in
`schema_version`. A database with a number this Pulse does not know is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from analytics.errors import SchemaError

MIGRATIONS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available_migrations() -> list[tuple[int, Path]]:
    """Every migration file as (number, path), in order."""
    found = []
    for path in MIGRATIONS_DIR.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_version() -> int:
    """The schema version this Pulse creates and understands."""
    return available_migrations()[-1][0]


def current_version(connection: duckdb.DuckDBPyConnection) -> int:
    """The schema version recorded in the database; 0 for an empty one."""
    cursor = connection.cursor()
    exists = cursor.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return cursor.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def applied_versions(connection: duckdb.DuckDBPyConnection) -> set[int]:
    """The migration numbers recorded in the database."""
    if current_version(connection) == 0:
        return set()
    return {row[0] for row in connection.cursor().execute("SELECT version FROM schema_version").fetchall()}


def migrate(connection: duckdb.DuckDBPyConnection, path: Path | str = "the database") -> int:
    """Apply every migration the database has not recorded, in order; return the version it ends at.

    Applying by set difference (not "everything above the highest number") means a migration that
    landed after a higher-numbered one still runs.
    """
    known = {number for number, _ in available_migrations()}
    applied = applied_versions(connection)
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaError(
            f"{path} has schema version {max(applied)}, but this Pulse understands versions up to "
            f"{max(known)} (unknown migrations {unknown}). Upgrade Pulse, or open a database made by this version."
        )
    cursor = connection.cursor()
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    for number, migration in available_migrations():
        if number in applied:
            continue
        cursor.execute("BEGIN TRANSACTION")
        try:
            cursor.execute(migration.read_text())
            cursor.execute(
                "INSERT INTO schema_version VALUES (?, ?, now() AT TIME ZONE 'UTC')",
                [number, migration.stem],
            )
        except duckdb.Error as exc:
            cursor.execute("ROLLBACK")
            raise SchemaError(f"Migration {migration.name} failed on {path}: {exc}") from exc
        cursor.execute("COMMIT")
    return current_version(connection)
