"""Alert rules: stored as given, validated field by field, and guarded by permissions."""

from __future__ import annotations

import json

import pytest

from analytics.alerts.rules import create_rule, delete_rule, get_rule, list_rules, update_rule
from analytics.errors import NotFoundError, PermissionDenied, ValidationError
from analytics.viewer import Viewer
from config.permissions import Permission

PM = Viewer.for_role("pat", "product_manager")
SECRET = "s3cret-s3cret-s3cret"


def drop_rule(db, **changes):
    options = {"name": "Drop in events", "metric": "events", "condition": "threshold", "direction": "below"}
    return create_rule(db, PM, **{**options, "threshold": 50, **changes})


def test_a_rule_is_stored_normalised_and_listed(db):
    rule = drop_rule(
        db,
        metric=" count:lesson ",
        segment="plan=pro,country=DE",
        webhook_url="https://hooks.example.com/a",
        webhook_secret=SECRET,
    )
    assert rule.segment == (("country", "DE"), ("plan", "pro"))
    assert rule.metric == "count:lesson"
    assert rule.created_by == "pat"
    assert get_rule(db, PM, rule.rule_id) == rule
    assert [r.rule_id for r in list_rules(db, PM)] == [rule.rule_id]
    assert rule.condition_text == "below 50"


def test_the_audit_log_records_rules_without_their_secret(db):
    rule = drop_rule(db, webhook_url="https://hooks.example.com/a", webhook_secret=SECRET)
    update_rule(db, PM, rule.rule_id, webhook_secret=SECRET + "x", enabled=False)
    delete_rule(db, PM, rule.rule_id)
    actions = db.rows("SELECT action, target, detail FROM audit_log ORDER BY audit_id")
    assert [action for action, _, _ in actions] == [
        "alert_rule_created",
        "alert_rule_updated",
        "alert_rule_deleted",
    ]
    assert all(target == rule.rule_id for _, target, _ in actions)
    assert json.loads(actions[1][2]) == {"enabled": False}
    assert not any(SECRET in detail for _, _, detail in actions)


def test_update_validates_and_disables(db):
    rule = drop_rule(db)
    changed = update_rule(db, PM, rule.rule_id, enabled=False, threshold="75")
    assert (changed.enabled, changed.threshold) == (False, 75.0)
    assert get_rule(db, PM, rule.rule_id) == changed
    with pytest.raises(ValidationError, match="threshold: must be a finite number for a threshold rule"):
        update_rule(db, PM, rule.rule_id, threshold="a lot")
    with pytest.raises(ValueError, match=r"no editable field \['owner'\]"):
        update_rule(db, PM, rule.rule_id, owner="x")


def test_removing_the_webhook_removes_its_secret(db):
    rule = drop_rule(db, webhook_url="https://hooks.example.com/a", webhook_secret=SECRET)
    changed = update_rule(db, PM, rule.rule_id, webhook_url="")
    assert (changed.webhook_url, changed.webhook_secret) == (None, None)
    assert db.scalar("SELECT channel FROM alert_rules") is None


def test_deleted_rules_are_gone(db):
    rule = drop_rule(db)
    delete_rule(db, PM, rule.rule_id)
    with pytest.raises(NotFoundError, match=f"no alert rule '{rule.rule_id}'"):
        get_rule(db, PM, rule.rule_id)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "name: must be 1-100 characters, got 0"),
        ({"metric": "revenue"}, "metric: Unknown metric 'revenue'"),
        ({"segment": "tier=gold"}, "segment: Unknown segment key 'tier'"),
        ({"grain": "hour"}, "grain: must be one of day, week, month, got 'hour'"),
        ({"condition": "spike"}, "condition: must be one of threshold, change, anomaly, got 'spike'"),
        ({"direction": "down"}, "direction: must be above or below for a threshold rule, got 'down'"),
        ({"threshold": None}, "threshold: must be a finite number for a threshold rule, got None"),
        ({"threshold": float("inf")}, "threshold: must be a finite number"),
        ({"condition": "change", "threshold": -20}, "threshold: must be a percent > 0 for a change rule"),
        ({"condition": "anomaly"}, "threshold: must be empty for an anomaly rule"),
        (
            {"condition": "anomaly", "threshold": None, "direction": "sideways"},
            "direction: must be above, below or empty",
        ),
        (
            {"webhook_url": "ftp://example.com"},
            "webhook_url: A webhook URL must be an absolute http:// or https:// address",
        ),
        (
            {"webhook_url": "https://example.com", "webhook_secret": "short"},
            "webhook_secret: must be at least 16",
        ),
        ({"webhook_secret": SECRET}, "webhook_secret: must be empty when no webhook URL is set"),
    ],
)
def test_validation_names_the_field_and_what_is_allowed(db, changes, message):
    with pytest.raises(ValidationError, match=message) as raised:
        drop_rule(db, **changes)
    assert raised.value.problems[0]["field"] == message.split(":")[0]
    assert db.scalar("SELECT count(*) FROM alert_rules") == 0


def test_every_bad_field_is_listed_at_once(db):
    with pytest.raises(ValidationError) as raised:
        drop_rule(db, name="", grain="year", threshold="x")
    assert [problem["field"] for problem in raised.value.problems] == ["name", "grain", "threshold"]


def test_anomaly_rules_take_no_threshold_and_an_optional_direction(db):
    either = drop_rule(db, condition="anomaly", threshold=None, direction=None)
    drops = drop_rule(db, condition="anomaly", threshold=None, direction="below")
    assert either.condition_text == "anomaly (either direction)"
    assert drops.condition_text == "anomaly (below the expected range)"


def test_members_may_neither_see_nor_create_rules(db):
    member = Viewer.for_role("m", "member", user_id="u1")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        list_rules(db, member)
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        create_rule(db, member, name="x", metric="events", condition="anomaly")


def test_seeing_rules_does_not_allow_creating_them(db):
    watcher = Viewer(
        "w", "watcher", frozenset({Permission.VIEW_USER_TRENDS, Permission.VIEW_OTHER_USER_ANALYTICS})
    )
    rule = drop_rule(db)
    assert [r.rule_id for r in list_rules(db, watcher)] == [rule.rule_id]
    with pytest.raises(PermissionDenied, match="GENERATE_PREDICTIONS"):
        create_rule(db, watcher, name="x", metric="events", condition="anomaly")
    with pytest.raises(PermissionDenied, match="GENERATE_PREDICTIONS"):
        delete_rule(db, watcher, rule.rule_id)
