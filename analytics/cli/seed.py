"""`seed`: fill a database with demo users and their activity (deterministic for a given seed)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt

from analytics.cli import add_db_argument
from analytics.db import open_database
from analytics.errors import AnalyticsError
from config.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    settings = load_settings()
    parser = commands.add_parser("seed", help="generate demo users and activity", description=__doc__)
    add_db_argument(parser)
    parser.add_argument(
        "--users",
        type=int,
        default=settings.demo_users,
        help=f"users to create (default {settings.demo_users})",
    )
    parser.add_argument(
        "--days", type=int, default=settings.demo_days, help=f"days of history (default {settings.demo_days})"
    )
    parser.add_argument(
        "--seed", type=int, default=settings.demo_seed, help=f"random seed (default {settings.demo_seed})"
    )
    parser.add_argument("--end", metavar="YYYY-MM-DD", help="last day of activity, UTC (default yesterday)")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="clear existing users, events, derived tables and ground truth first (same transaction)",
    )
    parser.set_defaults(handler=run)


def _end_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise AnalyticsError(
            f"--end must be a date written YYYY-MM-DD, such as 2025-06-30. Got {text!r}."
        ) from exc


def run(args: argparse.Namespace) -> int:
    from analytics.seed import SEED_MEMORY_LIMIT, generate

    end = _end_date(args.end)
    settings = load_settings()
    limited = dataclasses.replace(settings, memory_limit=settings.memory_limit or SEED_MEMORY_LIMIT)
    db = open_database(args.db, limited)
    print(
        f"Seeding {db.path}: {args.users:,} users over {args.days:,} days ending {end or 'yesterday'} (seed {args.seed})"
    )
    try:
        summary = generate(
            db,
            users=args.users,
            days=args.days,
            seed=args.seed,
            end_date=end,
            replace=args.replace,
            progress=lambda message: print(f"  {message}", flush=True),
        )
    finally:
        db.close()
    print(f"Done: {summary}")
    return 0
