"""The alert history and the delivery log, newest first, as the Alerts page and the CLI show them."""

from __future__ import annotations

import pandas as pd

from analytics.alerts.rules import AlertRule
from analytics.db import Database
from analytics.viewer import Viewer
from config.permissions import Permission

ALERT_COLUMNS = [
    "alert_id",
    "created_at",
    "rule_id",
    "rule_name",
    "metric",
    "period_start",
    "observed",
    "expected",
    "severity",
    "message",
    "link",
    "feedback",
]
RULE_TABLE_COLUMNS = [
    "rule_id",
    "name",
    "metric",
    "segment",
    "grain",
    "alerts_when",
    "webhook",
    "enabled",
    "last_evaluated_at",
    "last_error",
]
DELIVERY_COLUMNS = [
    "alert_id",
    "rule_name",
    "channel",
    "attempt",
    "status",
    "detail",
    "attempted_at",
    "next_attempt_at",
]


def list_alerts(db: Database, viewer: Viewer, *, limit_rows: int = 200) -> pd.DataFrame:
    """The newest alerts. Columns: ALERT_COLUMNS (rule_name is empty once the rule is deleted)."""
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    return db.query(
        """SELECT a.alert_id, a.created_at, a.rule_id, r.name AS rule_name, a.metric, a.period_start,
                  a.observed, a.expected, a.severity, a.message, a.link, a.feedback
           FROM alerts a LEFT JOIN alert_rules r USING (rule_id)
           ORDER BY a.created_at DESC, a.period_start DESC, a.alert_id LIMIT ?""",
        [limit_rows],
    )


def list_deliveries(db: Database, viewer: Viewer, *, limit_rows: int = 500) -> pd.DataFrame:
    """The newest delivery attempts, one row each. Columns: DELIVERY_COLUMNS.

    Status: delivered; queued (attempt 0, waiting for the next run); failed (retried from
    next_attempt_at when that is set); gave_up (no more retries).
    """
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    return db.query(
        """SELECT d.alert_id, r.name AS rule_name, d.channel, d.attempt, d.status, d.detail, d.attempted_at,
                  d.next_attempt_at
           FROM alert_deliveries d LEFT JOIN alerts a USING (alert_id) LEFT JOIN alert_rules r USING (rule_id)
           ORDER BY d.attempted_at DESC, d.attempt DESC, d.alert_id LIMIT ?""",
        [limit_rows],
    )


def rules_table(rules: list[AlertRule]) -> pd.DataFrame:
    """Rules as a table to show (webhook secrets left out). Columns: RULE_TABLE_COLUMNS."""
    return pd.DataFrame(
        {
            "rule_id": [rule.rule_id for rule in rules],
            "name": [rule.name for rule in rules],
            "metric": [rule.metric for rule in rules],
            "segment": [
                ",".join(f"{key}={value}" for key, value in rule.segment) or "all users" for rule in rules
            ],
            "grain": [rule.grain for rule in rules],
            "alerts_when": [rule.condition_text for rule in rules],
            "webhook": [rule.webhook_url or "" for rule in rules],
            "enabled": [rule.enabled for rule in rules],
            "last_evaluated_at": [rule.last_evaluated_at for rule in rules],
            "last_error": [rule.last_error or "" for rule in rules],
        },
        columns=RULE_TABLE_COLUMNS,
    )
