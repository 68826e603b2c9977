"""`backup` and `restore`: a consistent copy of the database as Parquet files, and a database made from one.

DuckDB lets one process open a database file, so these commands need the app stopped; a running app
takes the same backup itself when an admin calls POST /api/v1/backup. docs/reliability.md explains both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.backup import backup_database, check_not_in_use, restore_database
from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.viewer import SYSTEM
from config.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser(
        "backup",
        help="write a consistent copy of the database to a new folder",
        description="Write every table as Parquet, DuckDB's schema and a manifest with row counts and "
        "checksums into a new (or empty) folder. The app must be stopped.",
    )
    backup.add_argument("--out", required=True, metavar="DIR", help="the new or empty folder to write")
    add_db_argument(backup)
    backup.set_defaults(handler=run_backup)

    restore = commands.add_parser(
        "restore",
        help="make a database file from a backup folder",
        description="Check the backup against its manifest, import it into a new file, compare every "
        "table, then move the file into place. An existing database is replaced only with --force.",
    )
    restore.add_argument("--from", dest="from_dir", required=True, metavar="DIR", help="the backup folder")
    add_db_argument(restore)
    restore.add_argument("--force", action="store_true", help="replace an existing database file")
    restore.set_defaults(handler=run_restore)


def _database_path(db: str | None) -> Path:
    return Path(db) if db else load_settings().database_path


def run_backup(args: argparse.Namespace) -> int:
    path = _database_path(args.db)
    if not path.is_file():
        raise AnalyticsError(f"There is no database file at {path}; name it with --db PATH.")
    check_not_in_use(
        path,
        "Stop the app and run backup again, or have the running app write the same backup: "
        "POST /api/v1/backup with an admin token (docs/api.md).",
    )
    db = open_database(path)
    try:
        summary = backup_database(db, SYSTEM, args.out, source="cli")
    finally:
        db.close()
    print(f"Backed up {summary}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    summary = restore_database(args.from_dir, _database_path(args.db), force=args.force)
    print(f"Restored {summary}")
    return 0
