"""`demo`: create the demo database if there is none (what `make run` calls before starting)."""

from __future__ import annotations

import argparse

from analytics.cli import add_db_argument
from analytics.db import open_database
from config.settings import load_settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("demo", help="create the demo database if none exists", description=__doc__)
    add_db_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from analytics.seed import generate

    settings = load_settings()
    db = open_database(args.db, settings)
    existing = db.scalar("SELECT count(*) FROM events")
    if existing:
        print(f"Using the existing database {db.path} ({existing:,} events).")
        return 0
    print(
        f"Creating the demo database {db.path}: {settings.demo_users:,} users over "
        f"{settings.demo_days} days (seed {settings.demo_seed})..."
    )
    summary = generate(
        db,
        users=settings.demo_users,
        days=settings.demo_days,
        seed=settings.demo_seed,
        progress=lambda message: print(f"  {message}", flush=True),
    )
    print(f"Demo database ready: {summary}")
    db.close()
    return 0
