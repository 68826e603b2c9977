"""Judging alert rules: the latest complete period of each enabled rule, written once as an alert.

A period is judged only once it has ended in the reporting zone (the in-progress day, week or month
never alerts), and a rule alerts at most once per period (unique (rule_id, period_start)), however
often the job runs. `replay` judges a rule period by period over the past exactly as the job would
have, each period seen from the day after it ended, to backtest a rule before trusting it.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pandas as pd

from analytics.alerts import deliver
from analytics.alerts.rules import AlertRule, enabled_rules, validated
from analytics.anomalies import detect_anomalies
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters, Grain, period_end
from analytics.metrics import MetricSpec, metric_series
from analytics.metrics.series import period_starts
from analytics.periods import today_in_zone
from analytics.viewer import SYSTEM, Viewer
from config.permissions import Permission
from config.settings import load_settings

REPLAY_COLUMNS = ["period", "observed", "expected", "severity", "fired", "message"]
LINK_HISTORY_DAYS = {"day": 90, "week": 182, "month": 730}
"""How much history the Forecasts link shows before the alerting period."""

_ADJECTIVE = {"day": "Daily", "week": "Weekly", "month": "Monthly"}


@dataclass(frozen=True)
class Finding:
    """One rule judged on one period: `expected` is the threshold, previous value or anomaly forecast.

    `severity` is the anomaly score for anomaly rules and |observed - expected| / |expected| for
    threshold and change rules; None when the period cannot be judged (no value, no history).
    """

    period_start: date
    observed: float
    expected: float | None
    severity: float | None
    fired: bool
    message: str


@dataclass
class EvaluationSummary:
    """What one evaluation run did: rules judged, new alert ids, errors by rule, seconds by rule."""

    rules: int = 0
    alert_ids: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def latest_complete_period(grain: Grain, today: date) -> date:
    """The first day of the newest day, week (Monday) or month that ended before `today`."""
    yesterday = today - timedelta(days=1)
    start = period_starts(yesterday, yesterday, grain)[0]
    if period_end(start, grain) < today:
        return start
    before = start - timedelta(days=1)
    return period_starts(before, before, grain)[0]


def judge(db: Database, viewer: Viewer, rule: AlertRule, period: date, *, today: date) -> Finding:
    """Judge `rule` on the period starting `period`, which must have ended before `today`."""
    filters = Filters(
        start=period, end=period_end(period, rule.grain), grain=rule.grain, segment=rule.segment
    )
    subject = f"{_subject(rule, period)} {'were' if rule.spec.is_count else 'was'}"
    if rule.condition == "anomaly":
        return _judge_anomaly(db, viewer, rule, filters, subject, today)
    if rule.condition == "threshold":
        observed = _values(db, viewer, rule.spec, filters, today)[-1]
        expected, what = rule.threshold, "the threshold"
        fired = observed > expected if rule.direction == "above" else observed < expected
    else:
        previous = period_starts(period - timedelta(days=1), period - timedelta(days=1), rule.grain)[0]
        expected, observed = _values(db, viewer, rule.spec, replace(filters, start=previous), today)
        what = f"the previous {rule.grain}'s"
        if not expected or math.isnan(expected):
            message = (
                f"{subject} {_number(observed)}; {what} was {_number(expected)}, so the change is undefined."
            )
            return Finding(period, observed, expected, None, False, message)
        change_pct = (observed - expected) / abs(expected) * 100
        fired = change_pct > rule.threshold if rule.direction == "above" else change_pct < -rule.threshold
    if math.isnan(observed):
        return Finding(
            period, observed, expected, None, False, f"{subject} without a value (nothing to divide by)."
        )
    severity = abs(observed - expected) / abs(expected) if expected else abs(observed - expected)
    return Finding(
        period, observed, expected, severity, bool(fired), f"{subject} {_versus(observed, expected, what)}."
    )


def _judge_anomaly(
    db: Database, viewer: Viewer, rule: AlertRule, filters: Filters, subject: str, today: date
) -> Finding:
    period = filters.start
    found = detect_anomalies(db, viewer, rule.spec, filters, today=today)
    row = found[found["date"] == period]
    if row.empty:
        raise AnalyticsError(
            f"The period starting {period} is not complete on {today}; it cannot be judged yet."
        )
    observed, expected, score = (float(row[name].iloc[0]) for name in ("value", "expected", "score"))
    if math.isnan(observed) or math.isnan(expected):
        return Finding(
            period,
            observed,
            None,
            None,
            False,
            f"{subject} {_number(observed)}; too little earlier data to judge.",
        )
    leaning = "above" if observed > expected else "below"
    fired = bool(row["is_anomaly"].iloc[0]) and rule.direction in (None, leaning)
    message = f"{subject} {_versus(observed, expected, 'the expected')} (anomaly score {score:.1f})."
    return Finding(period, observed, expected, score, fired, message)


def evaluate_rules(
    db: Database, *, today: date | None = None, now: datetime | None = None
) -> EvaluationSummary:
    """Judge every enabled rule on its latest complete period; write an alert where one fires.

    Runs as the system viewer (the job and the CLI). An AnalyticsError of one rule is stored on the
    rule (`last_error`) and the others go on; the in-app delivery and any webhook are queued with the alert.
    """
    today = today or today_in_zone(load_settings().reporting_timezone)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    summary = EvaluationSummary()
    for rule in enabled_rules(db):
        started = time.perf_counter()
        period = latest_complete_period(rule.grain, today)
        error = None
        already = db.scalar(
            "SELECT count(*) FROM alerts WHERE rule_id = ? AND period_start = ?", [rule.rule_id, period]
        )
        finding = None
        if not already:
            try:
                finding = judge(db, SYSTEM, rule, period, today=today)
            except AnalyticsError as exc:
                error = str(exc)
                summary.errors[rule.rule_id] = error
        with db.transaction(data_changed=False) as cursor:
            if finding is not None and finding.fired:
                inserted = cursor.execute(
                    "INSERT INTO alerts (alert_id, rule_id, metric, period_start, observed, expected, severity, "
                    "message, link, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
                    "RETURNING alert_id",
                    [
                        uuid.uuid4().hex[:16],
                        rule.rule_id,
                        rule.metric,
                        period,
                        _finite(finding.observed),
                        _finite(finding.expected),
                        _finite(finding.severity),
                        finding.message,
                        forecast_link(rule, period),
                        now,
                    ],
                ).fetchall()
                for (alert_id,) in inserted:
                    deliver.queue(cursor, alert_id, webhook=rule.webhook_url is not None, now=now)
                    summary.alert_ids.append(alert_id)
            cursor.execute(
                "UPDATE alert_rules SET last_evaluated_at = ?, last_error = ? WHERE rule_id = ?",
                [now, error, rule.rule_id],
            )
        summary.rules += 1
        summary.seconds[rule.rule_id] = time.perf_counter() - started
    return summary


def replay(
    db: Database, viewer: Viewer, rule: AlertRule, start: date, end: date, *, today: date | None = None
) -> pd.DataFrame:
    """Judge `rule` on every period from start to end as the job would have, the day after each ended.

    Columns: REPLAY_COLUMNS (period, observed, expected, severity, fired, message). Periods not yet
    complete on `today` (default: today in the reporting zone) are left out. Nothing is written.
    """
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    rule = validated(rule)
    today = today or today_in_zone(load_settings().reporting_timezone)
    rows = []
    for period in period_starts(start, end, rule.grain):
        seen_on = period_end(period, rule.grain) + timedelta(days=1)
        if seen_on <= today:
            rows.append(judge(db, viewer, rule, period, today=seen_on).__dict__)
    found = pd.DataFrame(rows, columns=["period_start", *REPLAY_COLUMNS[1:]])
    return found.rename(columns={"period_start": "period"}).astype({"fired": bool})


def backtest(
    db: Database, viewer: Viewer, rule: AlertRule, *, periods: int, today: date | None = None
) -> pd.DataFrame:
    """`replay` over the `periods` newest periods complete on `today`: how often would the rule alert?"""
    today = today or today_in_zone(load_settings().reporting_timezone)
    start = end = latest_complete_period(rule.grain, today)
    for _ in range(periods - 1):
        start = latest_complete_period(rule.grain, start)
    return replay(db, viewer, rule, start, end, today=today)


def forecast_link(rule: AlertRule, period: date) -> str:
    """The Forecasts page's address showing the rule's metric up to the end of `period`."""
    filters = Filters(
        start=period - timedelta(days=LINK_HISTORY_DAYS[rule.grain]),
        end=period_end(period, rule.grain),
        grain=rule.grain,
        segment=rule.segment,
    )
    return f"/forecasts?{urlencode({**filters.to_query(), 'metric': rule.metric})}"


def _values(db: Database, viewer: Viewer, spec: MetricSpec, filters: Filters, today: date) -> list[float]:
    """The metric's value for each period of `filters`, oldest first."""
    return metric_series(db, viewer, spec, filters, today=today)["value"].tolist()


def _subject(rule: AlertRule, period: date) -> str:
    """'Daily events on 2025-04-01', 'Weekly active users for plan=pro in the week of 2025-03-24' ..."""
    spec = rule.spec
    words = {
        "events": "events",
        "active_users": "active users",
        "new_users": "new users",
        "sessions": "sessions",
        "count": f"{spec.activity} events",
        "users": f"users with {spec.activity} events",
        "ratio": f"{spec.activity} events per {spec.denominator} event",
        "avg": f"average {spec.property_name}",
    }[spec.kind]
    segment = f" for {', '.join(f'{key}={value}' for key, value in rule.segment)}" if rule.segment else ""
    when = {"day": f"on {period}", "week": f"in the week of {period}", "month": f"in {period:%B %Y}"}[
        rule.grain
    ]
    return f"{_ADJECTIVE[rule.grain]} {words}{segment} {when}"


def _versus(observed: float, expected: float, what: str) -> str:
    """'1,234, 62% below the expected 3,250' (or 'equal to ...', or without a percent when expected is 0)."""
    if observed == expected:
        return f"{_number(observed)}, equal to {what} {_number(expected)}"
    side = "above" if observed > expected else "below"
    share = f"{abs(observed - expected) / abs(expected):.0%} " if expected else ""
    return f"{_number(observed)}, {share}{side} {what} {_number(expected)}"


def _number(value: float) -> str:
    """Whole numbers with thousands separators, others to three significant digits."""
    if math.isnan(value):
        return "no value"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)
