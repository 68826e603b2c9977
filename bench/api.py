"""Tracking API speed: POST /analytics/track in batches of 10,000 events, as a product backend sends them.

`run([1_000_000, 10_000_000])` tracks each number of events into a fresh database through
`fastapi.testclient.TestClient(create_api())` (in process: no network, but the whole FastAPI request path,
token check, validation, dedupe and storage), with a tracking token made by `analytics.auth.tokens` as
tests/api/conftest.py makes them. The server's quick scheduler lane runs meanwhile, so rollups are
refreshed every second as in production; the end-to-end rate also waits for the last refresh, after which
every event is in the dashboards. A size is measured only if the sizes before it predict it finishes
within MAX_SECONDS; otherwise it is reported as skipped with that estimate.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from analytics.auth import accounts, tokens
from analytics.db import Database, forget_database, open_database
from analytics.ingest import drain_rollup_queue
from analytics.jobs import quick_jobs
from analytics.scheduler import Scheduler
from analytics.viewer import SYSTEM
from config.settings import load_settings

BATCH_EVENTS = 10_000
MAX_SECONDS = 300
USERS = 20_000
EVENTS_PER_SESSION = 10
KINDS = ("lesson", "exercise", "exercise", "feature_use")
START = datetime(2025, 1, 1)


def batch(number: int) -> list[dict]:
    """Batch `number` of the generated stream: sessions of ten events, one second apart, with properties."""
    first = number * BATCH_EVENTS
    events = []
    for index in range(first, first + BATCH_EVENTS):
        session = index // EVENTS_PER_SESSION
        events.append(
            {
                "event_id": f"b{index}",
                "user_id": f"user-{session * 7919 % USERS:06d}",
                "activity_type": KINDS[index % len(KINDS)],
                "timestamp": (START + timedelta(seconds=index)).isoformat() + "Z",
                "session_id": f"s{session}",
                "properties": {"duration_s": index % 600, "feature": f"f{index % 20}", "accuracy": 0.5},
            }
        )
    return events


@contextmanager
def _api(path: Path) -> Iterator[tuple[object, str]]:
    """A TestClient over a fresh database at `path` and a tracking token; the quick jobs run meanwhile."""
    with warnings.catch_warnings():  # Starlette's notice about its httpx client, not about Pulse
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from api import create_api

    previous = os.environ.get("PULSE_BACKEND_URL")
    os.environ["PULSE_BACKEND_URL"] = f"duckdb://{path}"
    db = open_database(path)
    accounts.create_account(db, SYSTEM, "tracker", password="bench tracking password", role="analyst")
    token = tokens.create_token(db, SYSTEM, name="bench", days=1, owner="tracker", kind="tracking").token
    scheduler = Scheduler(db, quick_jobs(load_settings()))
    try:
        with TestClient(create_api()) as client:
            scheduler.start()
            yield client, token
    finally:
        scheduler.stop()
        forget_database(path)
        if previous is None:
            os.environ.pop("PULSE_BACKEND_URL", None)
        else:
            os.environ["PULSE_BACKEND_URL"] = previous


def track(events: int) -> tuple[float, float]:
    """Track `events` into a fresh database: (seconds in requests, plus the last rollup refresh).

    Building and JSON-encoding each batch (the sender's work) happens off the clock.
    """
    with tempfile.TemporaryDirectory(prefix="pulse-bench-api-") as folder:
        path = Path(folder) / "api.duckdb"
        with _api(path) as (client, token):
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            posted_s = 0.0
            for number in range(events // BATCH_EVENTS):
                body = json.dumps(batch(number))
                started = time.perf_counter()
                answer = client.post("/analytics/track", content=body, headers=headers)
                posted_s += time.perf_counter() - started
                if answer.status_code != 200 or answer.json()["accepted"] != BATCH_EVENTS:
                    raise RuntimeError(f"batch {number}: HTTP {answer.status_code} {answer.text[:300]}")
        started = time.perf_counter()
        database = Database(path)
        drain_rollup_queue(database)  # whatever the last scheduler tick left
        database.close()
        return posted_s, posted_s + time.perf_counter() - started


def run(sizes: list[int]) -> None:
    """Print the batch tracking rate for each size (skipping those predicted to exceed MAX_SECONDS)."""
    rate = None
    for events in sizes:
        if rate is not None and events / rate > MAX_SECONDS:
            print(
                f"api track {events:>12,} events: skipped (est. {events / rate / 60:.0f} min at "
                f"{rate:,.0f} events/s; measured only under {MAX_SECONDS // 60} min)",
                flush=True,
            )
            continue
        posted_s, visible_s = track(events)
        rate = events / visible_s
        print(
            f"api track {events:>12,} events in batches of {BATCH_EVENTS:,}: requests {posted_s:6.1f} s "
            f"({events / posted_s:,.0f} events/s); in dashboards after {visible_s:6.1f} s ({rate:,.0f} events/s)",
            flush=True,
        )
