"""`python -m bench`: Pulse's speed figures, printed as plain-text tables while they are measured.

Steps, in order (name some to run only those: `python -m bench pages api`):
  machine   cores, RAM, versions and the load average (a busy machine makes every figure slower)
  seed      the demo generator at about 1M and 10M events (the databases are kept for `pages`)
  ingest    CSV and Parquet imports of 1M and 10M events (bench.ingest)
  api       batch tracking through the REST API at 1M and 10M events (bench.api)
  pages     every dashboard page cold, cached and beside pandas at 1M and 10M (bench.pages)
  spark     the same analytics calls on DuckDB and on Spark local[2] at 1M and 10M (bench.spark)
  100M      100 million generated events on DuckDB: seed time, disk size, every page, peak memory
  forecast, predict, export   the benches of their own, at their own sizes
`--quick` measures the 1M size only and, unless named, leaves out 100M, forecast, predict and export.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable

import duckdb
import pandas as pd

from bench import datasets

SIZES_EVENTS = {"1M": 1_000_000, "10M": 10_000_000}
STEPS = ("machine", "seed", "ingest", "api", "pages", "spark", "100M", "forecast", "predict", "export")
OWN_SIZES = ("100M", "forecast", "predict", "export")
BUSY_LOAD = 1.0


def machine() -> None:
    """Print what the figures were measured on, and warn when other work is running."""
    with open("/proc/meminfo") as handle:
        total_kib = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    load_1m, load_5m, load_15m = os.getloadavg()
    print(
        f"machine  cores={os.cpu_count()}  RAM={total_kib / 2**20:.1f} GiB  Python {platform.python_version()}  "
        f"DuckDB {duckdb.__version__}  pandas {pd.__version__}  {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    print(f"load average at start: {load_1m:.2f} {load_5m:.2f} {load_15m:.2f} (1, 5, 15 min)")
    if load_1m > BUSY_LOAD:
        print(
            f"WARNING: load average {load_1m:.2f} > {BUSY_LOAD:g}: other work is running; figures will be slower."
        )


def seed(labels: list[str]) -> None:
    """Generate each size afresh (timed) and keep it for the pages step."""
    for label in labels:
        found = datasets.dataset(label, fresh=True)
        print(
            f"seed  {label:>3}  users={found.users:>8,}  events={found.events:>11,}  seconds={found.seed_seconds:6.1f}  "
            f"events/s={found.events / found.seed_seconds:>9,.0f}  (then the predictions batch for the pages: "
            f"{found.predict_seconds:.0f} s)  kept at {found.path}",
            flush=True,
        )


def pages(labels: list[str]) -> None:
    """Time every dashboard page at each size (generating the databases a seed step has not left)."""
    from bench import pages as page_bench

    page_bench.run([datasets.dataset(label) for label in labels])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", metavar="STEP", help=f"any of {', '.join(STEPS)} (default: all)")
    parser.add_argument(
        "--quick", action="store_true", help="the 1M size only, without 100M/forecast/predict/export"
    )
    options = parser.parse_args(argv)
    unknown = [step for step in options.steps if step not in STEPS]
    if unknown:
        parser.error(f"unknown steps {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    labels = ["1M"] if options.quick else ["1M", "10M"]
    chosen = options.steps or [s for s in STEPS if not (options.quick and s in OWN_SIZES)]
    sizes = [SIZES_EVENTS[label] for label in labels]
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)  # "plotly failed": Pulse draws with Altair

    def run_export() -> None:
        if importlib.util.find_spec("bench.export") is None:
            print("export: no bench.export module; skipped")
            return
        from bench import export

        export.run()

    runners: dict[str, Callable[[], None]] = {
        "machine": machine,
        "seed": lambda: seed(labels),
        "ingest": lambda: _lazy("bench.ingest").run(sizes),
        "api": lambda: _lazy("bench.api").run(sizes),
        "pages": lambda: pages(labels),
        "spark": lambda: _lazy("bench.spark").run(labels),
        "100M": lambda: _lazy("bench.hundred_million").run(),
        "forecast": lambda: _lazy("bench.forecast").run(),
        "predict": lambda: _lazy("bench.predict").run(),
        "export": run_export,
    }
    started = time.perf_counter()
    if "machine" not in chosen:
        machine()
    for step in STEPS:
        if step in chosen:
            step_started = time.perf_counter()
            print(f"\n== {step} (load average {os.getloadavg()[0]:.2f})", flush=True)
            runners[step]()
            print(f"== {step} took {time.perf_counter() - step_started:.0f} s", flush=True)
    print(f"\nbench finished in {(time.perf_counter() - started) / 60:.1f} min", flush=True)


def _lazy(name: str):
    """Import a bench module when its step runs (Prophet, scikit-learn and FastAPI load slowly)."""
    return importlib.import_module(name)


if __name__ == "__main__":
    main(sys.argv[1:])
