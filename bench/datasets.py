"""The benchmark's generated databases (about 1M and 10M events), built once and kept, keyed by size and seed.

`dataset("10M")` returns a `Dataset` whose file lives under `$PULSE_BENCH_DIR` (default /tmp/pulse-bench):
`generated-<users>u-<days>d-seed<seed>-<end>.duckdb`: the demo generator's data with the predictions
batch run on it, as an install that has run it once. A file is written under a temporary name and renamed
when complete, so an interrupted run never leaves a half-built database to be reused.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from analytics.db import Database
from analytics.predict import run_batch
from analytics.seed import SEED_MEMORY_LIMIT, generate
from analytics.viewer import SYSTEM
from config.settings import load_settings

END = dt.date(2025, 6, 30)
SIZES_USERS = {"1M": 12_000, "10M": 120_000}
"""Users giving about 1M and 10M events over the demo's 730 days (about 83 events per user)."""


@dataclass(frozen=True)
class Dataset:
    """One generated database file and what it holds."""

    label: str
    users: int
    events: int
    path: Path
    seed_seconds: float | None
    """Seconds `analytics.seed.generate` took, or None when the file was already there."""
    predict_seconds: float | None
    """Seconds of the predictions batch run after it (the predictions page reads its output)."""


def bench_dir() -> Path:
    """Where generated databases are kept between runs."""
    return Path(os.environ.get("PULSE_BENCH_DIR", "/tmp/pulse-bench"))


def dataset(label: str, *, users: int | None = None, seed: int | None = None, fresh: bool = False) -> Dataset:
    """The database of size `label` ("1M" or "10M"), generated now unless a previous run left it.

    `fresh` generates it again even so (to time the generator); the new file replaces the old one.
    """
    settings = load_settings()
    users = users or SIZES_USERS[label]
    seed = settings.demo_seed if seed is None else seed
    path = bench_dir() / f"generated-{users}u-{settings.demo_days}d-seed{seed}-{END}.duckdb"
    seconds = predict_seconds = None
    if fresh or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        Path(f"{partial}.wal").unlink(missing_ok=True)
        database = Database(partial, memory_limit=settings.memory_limit or SEED_MEMORY_LIMIT)
        try:
            seconds = generate(
                database, users=users, days=settings.demo_days, seed=seed, end_date=END
            ).seconds
            predict_seconds = run_batch(database, SYSTEM).seconds
        finally:
            database.close()
        partial.replace(path)
    return Dataset(label, users, count_events(path), path, seconds, predict_seconds)


def count_events(path: Path) -> int:
    """Rows of the events table of the database at `path`."""
    database = Database(path)
    try:
        return int(database.scalar("SELECT count(*) FROM events"))
    finally:
        database.close()
