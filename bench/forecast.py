"""Forecast speed and quality: Prophet fit times on two years of daily data, and backtest figures.

`run()` prints, for the real series in ../shared/data and for generated `events` and `active_users`
(400 users over 240 days, as in the tests, and 2,000 over 730), the time of the final fit, of the backtest and of the whole call, and the
MAPE/MASE of Prophet and of the seasonal-naive baseline. `python -m bench.forecast`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd

from analytics.db import Database
from analytics.filters import Filters
from analytics.forecast import ForecastResult, cache, forecast, forecast_series
from analytics.metrics import parse_metric
from analytics.viewer import SYSTEM

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
END = dt.date(2025, 6, 30)
AFTER_END = END + dt.timedelta(days=1)
GENERATED = ((400, 240), (2_000, 730))
"""(users, days): the test suite's shared data set, and two years of a larger one."""
REPEATS = 3


def _line(name: str, result: ForecastResult, total_s: float) -> str:
    scores = result.backtest.scores.set_index("model") if result.backtest is not None else None
    quality = "no backtest"
    if scores is not None:
        quality = "  ".join(
            f"{model}: MAPE {scores.loc[model, 'mape']:5.1f}% MASE {scores.loc[model, 'mase']:5.2f}"
            for model in ("prophet", "seasonal_naive")
        )
    return (
        f"forecast  {name:<28} periods={len(result.history):>5}  fit={result.fit_seconds:5.2f}s  "
        f"backtest={result.backtest_seconds:5.2f}s  total={total_s:5.2f}s  {quality}  shown={result.model}"
    )


def _timed(call) -> tuple[ForecastResult, float]:
    """The last of REPEATS calls and the median time (the first includes importing Prophet)."""
    seconds = []
    for _ in range(REPEATS):
        cache.clear()
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return result, statistics.median(seconds)


def run() -> None:
    """Print fit times and backtest figures for real and generated series."""
    peyton = DATA / "wp_log_peyton_manning.csv"
    if peyton.exists():
        frame = pd.read_csv(peyton)
        two_years = frame.tail(730)
        print(
            _line(
                "peyton_manning last 730 days", *_timed(lambda: forecast_series(two_years, horizon_days=30))
            )
        )
        print(_line("peyton_manning all", *_timed(lambda: forecast_series(frame, horizon_days=30))))
        retail = pd.read_csv(DATA / "retail_sales.csv")
        print(
            _line(
                "retail_sales (monthly)",
                *_timed(lambda: forecast_series(retail, grain="month", horizon_days=365)),
            )
        )
    else:
        print(f"forecast  skipped the real series: {DATA} is missing")

    from analytics.seed import generate

    for users, days in GENERATED:
        with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
            db = Database(Path(folder) / "forecast.duckdb")
            generate(db, users=users, days=days, seed=42, end_date=END)
            history = Filters(start=END - dt.timedelta(days=days - 1), end=END)
            for metric in ("events", "active_users"):
                spec = parse_metric(metric)
                result, seconds = _timed(partial(forecast, db, SYSTEM, spec, history, today=AFTER_END))
                print(_line(f"generated {users}u {days}d {metric}", result, seconds))
            started = time.perf_counter()
            forecast(db, SYSTEM, parse_metric("active_users"), history, today=AFTER_END)
            print(f"forecast  cached repeat: {time.perf_counter() - started:.4f}s")
            db.close()


if __name__ == "__main__":
    run()
