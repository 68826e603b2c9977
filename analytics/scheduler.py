"""Jobs the server runs on a schedule in a background thread: rollup refresh, alerts, exports, retention.

The scheduler is plain Python (no UI); `ui/lifespan.py` starts it with the server and stops it on
shutdown. A failing job is logged and retried at its next turn; it never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from analytics.db import Database

log = logging.getLogger("pulse.scheduler")


@dataclass
class Job:
    """Run `run(db)` every `every_s` seconds, and busy at most `busy_share` of the time: a run that
    took d seconds is followed by a pause of at least d * (1 / busy_share - 1). `last_error` holds the
    newest failure, if any."""

    name: str
    every_s: float
    run: Callable[[Database], object]
    busy_share: float = 1.0
    next_at: float = 0.0
    runs: int = 0
    last_error: str | None = field(default=None)


class Scheduler:
    """Runs due jobs one after another in a single daemon thread."""

    def __init__(self, db: Database, jobs: list[Job], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.jobs = jobs
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[str]:
        """Run every job whose time has come; return their names (the thread's loop, and tests)."""
        ran = []
        for job in self.jobs:
            now = self.clock()
            if now < job.next_at:
                continue
            try:
                job.run(self.db)
                job.last_error = None
            except Exception as exc:  # a job's failure is logged and retried, never fatal to the server
                job.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("scheduled job %s failed", job.name)
            job.next_at = max(now + job.every_s, now + (self.clock() - now) / job.busy_share)
            job.runs += 1
            ran.append(job.name)
        return ran

    def start(self, *, tick_s: float = 0.5) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(tick_s):
                self.run_due()

        self._thread = threading.Thread(target=loop, name="pulse-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after the job it is running, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
