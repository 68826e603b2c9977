"""The server's scheduled jobs, from the settings."""

from __future__ import annotations

from analytics.alerts import alerts_job
from analytics.export.schedules import EXPORTS_EVERY_S, run_due_exports
from analytics.ingest import drain_rollup_queue
from analytics.scheduler import Job
from config.settings import Settings

ROLLUP_DRAIN_EVERY_S = 1.0


def server_jobs(settings: Settings) -> list[Job]:
    """Every job the running server schedules."""
    return [
        Job("refresh rollups of tracked events", ROLLUP_DRAIN_EVERY_S, lambda db: drain_rollup_queue(db, settings=settings)),
        alerts_job(),
        Job("scheduled exports", EXPORTS_EVERY_S, run_due_exports),
    ]
