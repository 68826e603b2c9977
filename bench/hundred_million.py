"""`python -m bench 100M`: one hundred million generated events on DuckDB, the default engine.

Prints the generator's time and peak memory (it runs as `python -m analytics seed` in a child process),
the database's size on disk, every dashboard page cold and cached (as `bench.pages` measures them, without
the pandas comparison: pandas cannot hold 100M events here), and the peak memory of this process, which
plays the app. The predictions batch is not run at this size, so the predictions page reads none.
The database is kept under $PULSE_BENCH_DIR for later runs.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench import datasets
from bench import pages as page_bench

USERS = 1_200_000
"""About 100M events over the demo's 730 days (the generator gives about 83 events per user)."""


def _generate(path: Path) -> float:
    """Run the generator into `path` (via a temporary name); returns its seconds."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "seed",
            "--db",
            str(partial),
            "--users",
            str(USERS),
            "--end",
            str(datasets.END),
        ],
        check=True,
    )
    seconds = time.perf_counter() - started
    partial.replace(path)
    return seconds


def run() -> None:
    """Generate (unless kept from an earlier run), then measure and print."""
    path = datasets.bench_dir() / f"generated-{USERS}u-730d-seed42-{datasets.END}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    seed_s = None
    if not path.exists():
        seed_s = _generate(path)
    events = datasets.count_events(path)
    seed_peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    size_gib = path.stat().st_size / 2**30
    seeded = (
        f"seeded in {seed_s:.0f} s ({events / seed_s:,.0f} events/s), peak memory {seed_peak_gib:.1f} GiB"
        if seed_s
        else "kept from an earlier run"
    )
    print(
        f"100M: {events:,} events, {USERS:,} users; {seeded}; database {size_gib:.1f} GiB on disk", flush=True
    )
    dataset = datasets.Dataset("100M", USERS, events, path, seed_s, None)
    load_s, results = page_bench.measure(dataset, with_pandas=False)
    page_bench.report(dataset, load_s, results, targets=False)
    app_peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"  peak memory of the app process over every page: {app_peak_gib:.1f} GiB; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
