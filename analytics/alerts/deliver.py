"""Delivering alerts: in-app at once, webhooks from the job with short timeouts and retries over runs.

Every alert gets an `in_app` row (it shows on the Alerts page). A rule with a webhook also queues a
`webhook` row (attempt 0); `deliver_due` posts queued and failed-but-due webhooks as signed JSON, tries
each at most IN_RUN_ATTEMPTS times within a run, and logs every attempt in alert_deliveries. A webhook
still failing waits RETRY_AFTER_MINUTES before the next run tries it again, then gives up, so an endpoint
that is down or slow costs the scheduler thread seconds, never minutes: a run also stops posting once
RUN_BUDGET_S is spent and leaves the rest to the next run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from analytics import webhooks
from analytics.alerts.rules import AlertRule, get_rule
from analytics.db import Database
from analytics.errors import NotFoundError
from analytics.filters import period_end
from analytics.viewer import SYSTEM

IN_RUN_ATTEMPTS = 2
TIMEOUT_S = 2.0
BACKOFF_S = 0.5
RETRY_AFTER_MINUTES = (5, 15, 60, 240)
"""Waits after a run's failed attempts; the run after the last one is the final try."""

RUN_BUDGET_S = 10.0


@dataclass
class DeliverySummary:
    """What one delivery run did: webhooks delivered, failed (retried later), given up, left for later."""

    delivered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)


def queue(cursor: duckdb.DuckDBPyConnection, alert_id: str, *, webhook: bool, now: datetime) -> None:
    """Inside the transaction that writes the alert: log its in-app delivery and queue its webhook."""
    cursor.execute(
        "INSERT INTO alert_deliveries (alert_id, channel, attempt, status, detail, attempted_at) "
        "VALUES (?, 'in_app', 1, 'delivered', 'listed on the Alerts page', ?)",
        [alert_id, now],
    )
    if webhook:
        cursor.execute(
            "INSERT INTO alert_deliveries (alert_id, channel, attempt, status, detail, attempted_at, next_attempt_at) "
            "VALUES (?, 'webhook', 0, 'queued', 'waiting for the next delivery run', ?, ?)",
            [alert_id, now, now],
        )


def deliver_due(
    db: Database,
    *,
    now: datetime | None = None,
    budget_s: float = RUN_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
) -> DeliverySummary:
    """Post every webhook that is queued or due for a retry at `now`; log each attempt."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    summary = DeliverySummary()
    started = clock()
    for alert_id, attempts_so_far, failed_runs in _due(db, now):
        if clock() - started > budget_s:
            summary.postponed.append(alert_id)
            continue
        try:
            rule, body = webhook_body(db, alert_id)
        except NotFoundError as exc:
            _give_up(db, alert_id, attempts_so_far, str(exc), now)
            summary.gave_up.append(alert_id)
            continue
        tries: list[webhooks.Attempt] = []
        webhooks.deliver(
            rule.webhook_url,
            body,
            secret=rule.webhook_secret,
            attempts=IN_RUN_ATTEMPTS,
            timeout_s=TIMEOUT_S,
            backoff_s=BACKOFF_S,
            headers={"Content-Type": "application/json"},
            log=tries.append,
        )
        outcome = _record(db, alert_id, tries, attempts_so_far, failed_runs, now)
        getattr(summary, outcome).append(alert_id)
    return summary


def webhook_body(db: Database, alert_id: str) -> tuple[AlertRule, bytes]:
    """The alert's rule and the JSON body posted for it (rule, metric, period, figures, message, link)."""
    found = db.rows(
        "SELECT rule_id, metric, period_start, observed, expected, severity, message, link, created_at "
        "FROM alerts WHERE alert_id = ?",
        [alert_id],
    )
    if not found:
        raise NotFoundError(f"There is no alert {alert_id!r}.")
    rule_id, metric, period_start, observed, expected, severity, message, link, created_at = found[0]
    rule = get_rule(db, SYSTEM, rule_id)
    if rule.webhook_url is None:
        raise NotFoundError(f"The rule {rule_id!r} of alert {alert_id!r} has no webhook any more.")
    start = period_start.date()
    body = {
        "alert_id": alert_id,
        "rule": {"id": rule.rule_id, "name": rule.name, "condition": rule.condition_text},
        "metric": metric,
        "segment": dict(rule.segment),
        "period": {
            "grain": rule.grain,
            "start": start.isoformat(),
            "end": period_end(start, rule.grain).isoformat(),
        },
        "observed": _json_number(observed),
        "expected": _json_number(expected),
        "severity": _json_number(severity),
        "message": message,
        "link": link,
        "created_at": created_at.isoformat(timespec="seconds") + "Z",
    }
    return rule, json.dumps(body, sort_keys=True).encode()


def _due(db: Database, now: datetime) -> list[tuple[str, int, int]]:
    """(alert_id, attempts so far, failed runs so far) of unfinished webhooks whose next try is due."""
    return db.rows(
        """SELECT alert_id, max(attempt) AS attempts,
                  count(*) FILTER (status = 'failed' AND next_attempt_at IS NOT NULL) AS failed_runs
           FROM alert_deliveries WHERE channel = 'webhook'
           GROUP BY alert_id
           HAVING count(*) FILTER (status IN ('delivered', 'gave_up')) = 0 AND max(next_attempt_at) <= ?
           ORDER BY max(next_attempt_at), alert_id""",
        [now],
    )


def _record(
    db: Database,
    alert_id: str,
    tries: list[webhooks.Attempt],
    attempts_so_far: int,
    failed_runs: int,
    now: datetime,
) -> str:
    """Log this run's attempts; return 'delivered', 'failed' (a retry is scheduled) or 'gave_up'.

    An answer the endpoint will give again (a 4xx other than 408 and 429) is not retried in later runs.
    """
    last = tries[-1]
    refused = (
        last.outcome == "http_error"
        and last.status_code < 500
        and last.status_code not in webhooks.RETRIED_STATUSES
    )
    if last.outcome == "delivered":
        final = "delivered"
    elif refused or failed_runs >= len(RETRY_AFTER_MINUTES):
        final = "gave_up"
    else:
        final = "failed"
    retry_at = now + timedelta(minutes=RETRY_AFTER_MINUTES[failed_runs]) if final == "failed" else None
    with db.transaction(data_changed=False) as cursor:
        for attempt in tries:
            is_last = attempt is last
            cursor.execute(
                "INSERT INTO alert_deliveries (alert_id, channel, attempt, status, detail, attempted_at, "
                "next_attempt_at) VALUES (?, 'webhook', ?, ?, ?, ?, ?)",
                [
                    alert_id,
                    attempts_so_far + attempt.attempt,
                    final if is_last else "failed",
                    f"{attempt.detail} ({attempt.duration_ms:,.0f} ms)",
                    attempt.attempted_at,
                    retry_at if is_last else None,
                ],
            )
    return final


def _give_up(db: Database, alert_id: str, attempts_so_far: int, reason: str, now: datetime) -> None:
    """End a webhook delivery that cannot be attempted any more (its rule was deleted or changed)."""
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "INSERT INTO alert_deliveries (alert_id, channel, attempt, status, detail, attempted_at) "
            "VALUES (?, 'webhook', ?, 'gave_up', ?, ?)",
            [alert_id, attempts_so_far, f"not sent: {reason}", now],
        )


def _json_number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value
