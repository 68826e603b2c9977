"""Alerts: rules on metrics judged on a schedule, delivered in-app and by webhook, judged by users."""

from analytics.alerts.evaluate import Finding, backtest, latest_complete_period, replay
from analytics.alerts.feedback import alert_precision, mark_alert
from analytics.alerts.history import list_alerts, list_deliveries, rules_table
from analytics.alerts.rules import AlertRule, create_rule, delete_rule, get_rule, list_rules, update_rule
from analytics.alerts.run import alerts_job, run_alerts

__all__ = [
    "AlertRule",
    "Finding",
    "alert_precision",
    "alerts_job",
    "backtest",
    "create_rule",
    "delete_rule",
    "get_rule",
    "latest_complete_period",
    "list_alerts",
    "list_deliveries",
    "list_rules",
    "mark_alert",
    "replay",
    "rules_table",
    "run_alerts",
    "update_rule",
]
