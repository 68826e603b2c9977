"""Prediction speed and quality: churn training time at 10,000 and 100,000 users, and the whole batch run.

`run()` seeds a fresh temporary database per size (the demo's 730 days, seed 42, a fixed end date),
then prints the time to load the point-in-time windows, to fit and calibrate the churn model (with its
validation ROC AUC beside the recency baseline's), and to run every model and write the predictions.
`python -m bench.predict`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from analytics.db import Database
from analytics.predict import run_batch
from analytics.predict.churn import ChurnModel, default_horizon
from analytics.predict.estimators import one_thread
from analytics.predict.features import data_span, load_windows
from analytics.seed import generate
from analytics.viewer import SYSTEM
from config.settings import load_settings

END = dt.date(2025, 6, 30)
SIZES = (10_000, 100_000)


def run() -> None:
    """Print one churn line and one batch line per database size."""
    settings = load_settings()
    for users in SIZES:
        with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
            database = Database(Path(folder) / "predict.duckdb", memory_limit=settings.memory_limit)
            generate(database, users=users, days=settings.demo_days, seed=settings.demo_seed, end_date=END)
            first_day, last_day = data_span(database)
            started = time.perf_counter()
            horizon_days = default_horizon(first_day, last_day)
            windows = load_windows(database, as_of=last_day, horizon_days=horizon_days, first_day=first_day)
            loaded = time.perf_counter()
            with one_thread():
                model = ChurnModel().fit(windows)
            trained = time.perf_counter()
            quality = model.quality_
            print(
                f"churn  users={users:>8,}  horizon_days={horizon_days}  features_s={loaded - started:6.1f}  training_s={trained - loaded:6.1f}  "
                f"train_rows={quality.train_rows:>7,}  roc_auc={quality.model.roc_auc:.3f}  "
                f"baseline_roc_auc={quality.baseline.roc_auc:.3f}  model={quality.chosen}",
                flush=True,
            )
            summary = run_batch(database, SYSTEM)
            rows = sum(summary.rows.values())
            print(f"batch  users={users:>8,}  seconds={summary.seconds:6.1f}  rows={rows:>8,}", flush=True)
            database.close()


if __name__ == "__main__":
    run()
