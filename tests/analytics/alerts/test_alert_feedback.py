"""Verdicts on alerts and the precision they add up to; the history lists alerts newest first."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analytics.alerts import alert_precision, create_rule, list_alerts, list_deliveries, mark_alert
from analytics.alerts.evaluate import evaluate_rules
from analytics.errors import NotFoundError, PermissionDenied
from analytics.viewer import Viewer

PM = Viewer.for_role("pat", "product_manager")
NOW = datetime(2025, 3, 1, 12, 0)


@pytest.fixture
def three_alerts(daily, day):
    """Alerts for days 1, 2 and 3 (each below 50), written by daily runs."""
    db = daily([100, 40, 30, 20])
    create_rule(db, PM, name="drop", metric="events", condition="threshold", direction="below", threshold=50)
    for n in (2, 3, 4):
        evaluate_rules(db, today=day(n), now=NOW + timedelta(days=n))
    return db


def test_precision_counts_the_verdicts(three_alerts):
    db = three_alerts
    assert alert_precision(db, PM) == {"alerts": 3, "judged": 0, "useful": 0, "noise": 0, "precision": None}
    newest, middle, oldest = list_alerts(db, PM)["alert_id"]
    mark_alert(db, PM, newest, "useful")
    mark_alert(db, PM, middle, "useful")
    mark_alert(db, PM, oldest, "noise")
    assert alert_precision(db, PM) == {"alerts": 3, "judged": 3, "useful": 2, "noise": 1, "precision": 2 / 3}
    mark_alert(db, PM, oldest, None)
    assert alert_precision(db, PM)["precision"] == 1.0
    assert db.rows("SELECT feedback_by FROM alerts WHERE alert_id = ?", [newest]) == [("pat",)]


def test_the_history_is_newest_first(three_alerts):
    found = list_alerts(three_alerts, PM)
    assert found["observed"].tolist() == [20, 30, 40]
    assert found["rule_name"].tolist() == ["drop"] * 3
    deliveries = list_deliveries(three_alerts, PM)
    assert deliveries[["channel", "status"]].drop_duplicates().values.tolist() == [["in_app", "delivered"]]
    assert len(deliveries) == 3


def test_bad_verdicts_and_unknown_alerts_are_explained(three_alerts):
    alert_id = list_alerts(three_alerts, PM)["alert_id"][0]
    with pytest.raises(ValueError, match="must be one of useful, noise or empty. Got 'great'"):
        mark_alert(three_alerts, PM, alert_id, "great")
    with pytest.raises(NotFoundError, match="no alert 'nope'"):
        mark_alert(three_alerts, PM, "nope", "useful")


def test_members_see_no_alerts(three_alerts):
    member = Viewer.for_role("m", "member", user_id="u")
    for call in (list_alerts, list_deliveries, alert_precision):
        with pytest.raises(PermissionDenied):
            call(three_alerts, member)
    with pytest.raises(PermissionDenied):
        mark_alert(three_alerts, member, "x", "noise")
