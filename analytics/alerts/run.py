"""One alerting run, as the scheduled job and `python -m analytics alerts run` do it: judge, then deliver."""

from __future__ import annotations

from datetime import UTC, date, datetime

from analytics.alerts.deliver import DeliverySummary, deliver_due
from analytics.alerts.evaluate import EvaluationSummary, evaluate_rules
from analytics.db import Database
from analytics.scheduler import Job

EVERY_S = 300.0


def run_alerts(
    db: Database, *, today: date | None = None, now: datetime | None = None
) -> tuple[EvaluationSummary, DeliverySummary]:
    """Judge every enabled rule's latest complete period, then post new and due webhooks."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return evaluate_rules(db, today=today, now=now), deliver_due(db, now=now)


def alerts_job() -> Job:
    """The server's job: an alerting run every five minutes in the scheduler thread."""
    return Job("evaluate alert rules and deliver alerts", EVERY_S, lambda db: run_alerts(db))
