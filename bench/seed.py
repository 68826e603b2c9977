"""Benchmark of the demo generator: users, events, seconds and events/s per database size.

`run([5_000, 200_000])` seeds a fresh temporary database per size with the demo settings' days and seed
and a fixed end date, so figures are comparable from run to run. `python -m bench.seed 5000 200000`.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from analytics.db import Database
from analytics.seed import SEED_MEMORY_LIMIT, generate
from config.settings import load_settings

END = dt.date(2025, 6, 30)
DEFAULT_USERS = [5_000, 200_000]


def run(users_list: list[int]) -> None:
    """Seed one fresh database per entry of `users_list` and print a line of figures for each."""
    settings = load_settings()
    for users in users_list:
        with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
            limit = settings.memory_limit or SEED_MEMORY_LIMIT  # as `python -m analytics seed` does
            database = Database(Path(folder) / "seed.duckdb", memory_limit=limit)
            summary = generate(
                database, users=users, days=settings.demo_days, seed=settings.demo_seed, end_date=END
            )
            database.close()
        print(
            f"seed  users={users:>9,}  days={settings.demo_days}  events={summary.events:>12,}  "
            f"seconds={summary.seconds:7.1f}  events/s={summary.events_per_s:>10,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    run([int(argument) for argument in sys.argv[1:]] or DEFAULT_USERS)
