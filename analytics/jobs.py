"""The server's scheduled jobs, from the settings, in two lanes so slow work never delays fast work."""

from __future__ import annotations

from analytics.alerts import alerts_job
from analytics.db import Database
from analytics.export.schedules import EXPORTS_EVERY_S, run_due_exports
from analytics.ingest import drain_rollup_queue
from analytics.privacy import apply_retention
from analytics.scheduler import Job, Scheduler
from config.settings import Settings

ROLLUP_DRAIN_EVERY_S = 1.0
ROLLUP_DRAIN_SHARE = 0.25
"""A drain recomputes the touched users' whole days, so under a long burst of tracking each drain takes
longer (0.26 s after 10 s of the mixed load test, 0.81 s after 60 s); beyond a quarter of the time
the drain runs less often instead of taking the cores from tracking and pages. The rollups then lag
tracked events by up to four drains' time."""
RETENTION_EVERY_S = 24 * 3600.0


def quick_jobs(settings: Settings) -> list[Job]:
    """Jobs that must run every second or so: tracked events reach the dashboards through these."""
    return [
        Job(
            "refresh rollups of tracked events",
            ROLLUP_DRAIN_EVERY_S,
            lambda db: drain_rollup_queue(db, settings=settings),
            busy_share=ROLLUP_DRAIN_SHARE,
        )
    ]


def slow_jobs(settings: Settings) -> list[Job]:
    """Jobs that may take seconds to minutes (webhooks, exports, deletions)."""
    jobs = [alerts_job(), Job("scheduled exports", EXPORTS_EVERY_S, run_due_exports)]
    if settings.retention_days > 0:
        jobs.append(
            Job(
                "retention policy",
                RETENTION_EVERY_S,
                lambda db: apply_retention(db, older_than_days=settings.retention_days, dry_run=False),
            )
        )
    return jobs


def server_schedulers(db: Database, settings: Settings) -> list[Scheduler]:
    """One scheduler thread per lane."""
    return [Scheduler(db, quick_jobs(settings)), Scheduler(db, slow_jobs(settings))]
