"""`retention apply` and `erase`: the retention policy and the right to be forgotten, from the shell."""

from __future__ import annotations

import argparse
import sys

from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.viewer import SYSTEM
from config.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    retention = commands.add_parser(
        "retention", help="apply the event retention policy", description="The event retention policy."
    )
    actions = retention.add_subparsers(dest="retention_action", metavar="ACTION", required=True)
    apply = actions.add_parser(
        "apply",
        help="delete events older than N days and refresh the rollups",
        description="Delete events older than N days, refresh sessions and daily rollups, audit it.",
    )
    add_db_argument(apply)
    apply.add_argument(
        "--days", type=int, metavar="N", help="age in days beyond which events go (default: retention_days)"
    )
    apply.add_argument("--dry-run", action="store_true", help="report what would go; change nothing")
    apply.set_defaults(handler=run_retention)

    erase = commands.add_parser(
        "erase",
        help="erase every row about one user (right to be forgotten)",
        description="Delete one user's rows from every table holding a user_id, in one audited transaction.",
    )
    add_db_argument(erase)
    erase.add_argument("--user", required=True, metavar="ID", help="the user_id to erase")
    erase.set_defaults(handler=run_erase)


def run_retention(args: argparse.Namespace) -> int:
    from analytics.privacy.retention import apply_retention

    settings = load_settings()
    days = settings.retention_days if args.days is None else args.days
    if days == 0:
        print(
            "error: retention is disabled (retention_days = 0 keeps every event). "
            "Pass --days N, or set retention_days in config/settings.toml or PULSE_RETENTION_DAYS.",
            file=sys.stderr,
        )
        return 2
    db = open_database(args.db, settings)
    try:
        report = apply_retention(db, older_than_days=days, dry_run=args.dry_run)
    finally:
        db.close()
    print(report.summary())
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from analytics.privacy.erasure import erase_user

    db = open_database(args.db)
    try:
        report = erase_user(db, SYSTEM, args.user, source="cli")
    finally:
        db.close()
    print(f"Erased user {report.user_id}: {report.total_rows:,} rows deleted.")
    for table, count in report.rows_deleted.items():
        print(f"  {table}: {count:,}")
    if report.accounts_unlinked:
        print(f"  accounts: {report.accounts_unlinked:,} unlinked and disabled")
    return 0
