"""`python -m bench spark`: the same analytics calls on DuckDB and on Spark local[2], at 1M and 10M events.

For each size: the Parquet lake is written from the bench database (timed), then each call runs on DuckDB
(median of 3) and on Spark (median of 3 after one warm-up run, so the JVM's start and first-query
compilation are left out and printed apart). The ratio says how many times slower Spark is here; the
crossover is the size at which it would drop below 1. docs/scale.md keeps the latest figures.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from analytics.db import Database
from analytics.engagement.retention import retention_matrix
from analytics.filters import Filters
from analytics.funnels.funnel import funnel
from analytics.lake import write_lake
from analytics.metrics.series import metric_series
from analytics.metrics.spec import parse_metric
from analytics.overview import overview_figures
from analytics.paths import next_steps
from analytics.predict.features import user_features
from analytics.spark_engine import SparkEngine
from analytics.viewer import SYSTEM
from bench import datasets

REPEATS = 3
LAST_DAY = datasets.END
QUARTER = Filters(start=LAST_DAY - timedelta(days=89), end=LAST_DAY)
YEAR_WEEKS = Filters(start=date(2024, 7, 1), end=date(2025, 6, 29), grain="week")
CALLS: dict[str, Callable[[Database], Any]] = {
    "overview (28 days)": lambda db: overview_figures(
        db, SYSTEM, Filters(start=LAST_DAY - timedelta(days=27), end=LAST_DAY), today=LAST_DAY
    ),
    "retention (52 weekly cohorts)": lambda db: retention_matrix(db, SYSTEM, YEAR_WEEKS, today=LAST_DAY),
    "metric series (active users, 1 y)": lambda db: metric_series(
        db, SYSTEM, parse_metric("active_users"), YEAR_WEEKS, today=LAST_DAY
    ),
    "avg:accuracy (raw events, 90 d)": lambda db: metric_series(
        db, SYSTEM, parse_metric("avg:accuracy"), QUARTER, today=LAST_DAY
    ),
    "funnel (3 steps, 90 d)": lambda db: funnel(
        db, SYSTEM, QUARTER, steps=["session_start", "lesson", "exercise"], window_s=3600
    ),
    "paths (next 3 steps, 90 d)": lambda db: next_steps(db, SYSTEM, QUARTER, activity="lesson"),
    "churn features (every user)": lambda db: user_features(db, as_of=LAST_DAY - timedelta(days=30)),
}


def _median_seconds(call: Callable[[Database], Any], db: Database) -> float:
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call(db)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def measure(dataset: datasets.Dataset) -> None:
    """Print one size's table: DuckDB s, Spark s, Spark/DuckDB."""
    lake = lake_path(dataset)
    shutil.rmtree(lake, ignore_errors=True)
    duck = Database(dataset.path)
    started = time.perf_counter()
    write_lake(duck, lake)
    lake_s = time.perf_counter() - started
    lake_mb = sum(path.stat().st_size for path in lake.rglob("*") if path.is_file()) / 2**20
    engine = SparkEngine("local[2]", lake, {"spark.driver.memory": "6g"})
    spark = Database(dataset.path, engine=engine)
    started = time.perf_counter()
    engine.query("SELECT count(*) FROM events")
    start_s = time.perf_counter() - started
    print(
        f"\nspark vs duckdb at {dataset.label}: {dataset.events:,} events; lake written in {lake_s:.1f} s "
        f"({lake_mb:,.0f} MB Parquet); Spark session start and first query {start_s:.1f} s; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(f"  {'call':<36} {'duckdb s':>9} {'spark s':>9} {'spark/duckdb':>12}")
    try:
        for name, call in CALLS.items():
            on_duckdb = _median_seconds(call, duck)
            call(spark)  # warm-up: Spark compiles each new query shape on first run
            on_spark = _median_seconds(call, spark)
            print(f"  {name:<36} {on_duckdb:9.3f} {on_spark:9.3f} {on_spark / on_duckdb:11.1f}x", flush=True)
    finally:
        engine.stop()
        duck.close()
        shutil.rmtree(lake, ignore_errors=True)


def run(labels: list[str]) -> None:
    """The comparison at each size (the bench databases are generated if no earlier step left them)."""
    for label in labels:
        measure(datasets.dataset(label))


def lake_path(dataset: datasets.Dataset) -> Path:
    """Where the lake of `dataset` is written while it is measured."""
    return datasets.bench_dir() / f"lake-{dataset.path.stem}"
