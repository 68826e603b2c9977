"""Judging rules on hand-made daily counts: conditions, complete periods only, one alert per period."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from analytics.alerts import alerts_job, evaluate
from analytics.alerts.evaluate import evaluate_rules, judge, latest_complete_period, replay
from analytics.alerts.rules import AlertRule, create_rule, update_rule
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.jobs import slow_jobs
from analytics.periods import today_in_zone
from analytics.scheduler import Scheduler
from analytics.viewer import SYSTEM, Viewer
from config.settings import load_settings

PM = Viewer.for_role("pat", "product_manager")
NOW = datetime(2025, 3, 1, 12, 0)


def rule(**fields) -> AlertRule:
    return AlertRule(**{"rule_id": "r", "name": "r", "metric": "events", "condition": "threshold", **fields})


def alerts(db) -> list[tuple]:
    return db.rows(
        "SELECT rule_id, period_start::DATE, observed, expected, severity, message FROM alerts ORDER BY 2"
    )


@pytest.mark.parametrize(
    ("grain", "today", "expected"),
    [
        ("day", date(2025, 3, 5), date(2025, 3, 4)),
        ("week", date(2025, 3, 5), date(2025, 2, 24)),  # a Wednesday: the week of 3 March is in progress
        ("week", date(2025, 3, 3), date(2025, 2, 24)),  # a Monday: the week before ended yesterday
        ("month", date(2025, 3, 1), date(2025, 2, 1)),
        ("month", date(2025, 3, 31), date(2025, 2, 1)),
    ],
)
def test_latest_complete_period(grain, today, expected):
    assert latest_complete_period(grain, today) == expected


def test_threshold_below_fires_with_its_distance_as_severity(daily, day):
    db = daily([100, 100, 40])
    found = judge(db, SYSTEM, rule(direction="below", threshold=50), day(2), today=day(3))
    assert (found.observed, found.expected, found.fired) == (40, 50, True)
    assert found.severity == pytest.approx(0.2)  # (50 - 40) / 50
    assert found.message == "Daily events on 2025-01-08 were 40, 20% below the threshold 50."
    assert not judge(db, SYSTEM, rule(direction="above", threshold=50), day(2), today=day(3)).fired


def test_change_compares_with_the_previous_period(daily, day):
    db = daily([100, 100, 40])
    fall = judge(db, SYSTEM, rule(condition="change", direction="below", threshold=50), day(2), today=day(3))
    assert (fall.observed, fall.expected, fall.fired) == (40, 100, True)
    assert fall.severity == pytest.approx(0.6)
    assert fall.message == "Daily events on 2025-01-08 were 40, 60% below the previous day's 100."
    # A 60% fall is not a fall of more than 60%, and never a rise.
    assert not judge(
        db, SYSTEM, rule(condition="change", direction="below", threshold=60), day(2), today=day(3)
    ).fired
    assert not judge(
        db, SYSTEM, rule(condition="change", direction="above", threshold=10), day(2), today=day(3)
    ).fired


def test_weekly_change(daily, day):
    db = daily([10] * 7 + [5] * 7)
    weekly = rule(condition="change", direction="below", threshold=40, grain="week")
    found = judge(db, SYSTEM, weekly, day(7), today=day(14))
    assert (found.observed, found.expected, found.fired) == (35, 70, True)
    assert (
        found.message == "Weekly events in the week of 2025-01-13 were 35, 50% below the previous week's 70."
    )


def test_change_from_nothing_is_undefined(daily, day):
    db = daily([0, 10])
    found = judge(db, SYSTEM, rule(condition="change", direction="above", threshold=10), day(1), today=day(2))
    assert (found.fired, found.severity) == (False, None)
    assert found.message.endswith("the previous day's was 0, so the change is undefined.")


def test_anomaly_against_a_steady_history(daily, day):
    db = daily([100] * 35 + [20])
    found = judge(db, SYSTEM, rule(condition="anomaly"), day(35), today=day(36))
    # Robust z on the square-root scale: level sqrt(100) = 10, spread at its floor 0.5.
    score = (10 - math.sqrt(20)) / 0.5
    assert (found.observed, found.expected, found.fired) == (20, 100, True)
    assert found.severity == pytest.approx(score)
    assert (
        found.message
        == f"Daily events on 2025-02-10 were 20, 80% below the expected 100 (anomaly score {score:.1f})."
    )
    assert not judge(db, SYSTEM, rule(condition="anomaly", direction="above"), day(35), today=day(36)).fired
    assert not judge(db, SYSTEM, rule(condition="anomaly"), day(34), today=day(36)).fired


def test_segments_and_other_metrics_are_judged_on_their_own_users(daily, day):
    daily([100, 100, 100], plan="pro")
    db = daily([10, 10, 2], plan="free")
    free = rule(metric="active_users", segment=(("plan", "free"),), direction="below", threshold=5)
    found = judge(db, SYSTEM, free, day(2), today=day(3))
    assert (found.observed, found.fired) == (2, True)
    assert (
        found.message == "Daily active users for plan=free on 2025-01-08 were 2, 60% below the threshold 5."
    )


def test_only_complete_periods_are_judged(daily, day):
    # Today (day 3) has only its first few events: it must not look like a collapse.
    db = daily([100, 100, 100, 5])
    create_rule(db, PM, name="drop", metric="events", condition="threshold", direction="below", threshold=50)
    evaluate_rules(db, today=day(3), now=NOW)
    assert alerts(db) == []
    evaluate_rules(db, today=day(4), now=NOW)
    assert [row[1] for row in alerts(db)] == [day(3)]


def test_a_rule_alerts_once_per_period(daily, day):
    db = daily([100, 100, 40])
    created = create_rule(
        db, PM, name="drop", metric="events", condition="threshold", direction="below", threshold=50
    )
    first = evaluate_rules(db, today=day(3), now=NOW)
    again = evaluate_rules(db, today=day(3), now=NOW + timedelta(minutes=5))
    assert (len(first.alert_ids), len(again.alert_ids)) == (1, 0)
    assert alerts(db) == [
        (
            created.rule_id,
            day(2),
            40.0,
            50.0,
            pytest.approx(0.2),
            "Daily events on 2025-01-08 were 40, 20% below the threshold 50.",
        )
    ]
    assert db.rows("SELECT channel, attempt, status FROM alert_deliveries") == [("in_app", 1, "delivered")]
    link = db.scalar("SELECT link FROM alerts")
    assert link == "/forecasts?start=2024-10-10&end=2025-01-08&grain=day&metric=events"


def test_disabled_rules_are_skipped_and_errors_stay_with_their_rule(daily, monkeypatch, day):
    db = daily([100, 100, 40])
    options = {"metric": "events", "condition": "threshold", "direction": "below", "threshold": 50}
    off = create_rule(db, PM, name="off", **options)
    update_rule(db, PM, off.rule_id, enabled=False)
    broken = create_rule(db, PM, name="broken", **options)
    working = create_rule(db, PM, name="working", **options)
    real_judge = evaluate.judge

    def judge_or_fail(db, viewer, rule, period, *, today):
        if rule.name == "broken":
            raise AnalyticsError("this rule cannot be judged")
        return real_judge(db, viewer, rule, period, today=today)

    monkeypatch.setattr(evaluate, "judge", judge_or_fail)
    summary = evaluate_rules(db, today=day(3), now=NOW)
    assert summary.rules == 2
    assert summary.errors == {broken.rule_id: "this rule cannot be judged"}
    assert [row[0] for row in alerts(db)] == [working.rule_id]
    state = dict(db.rows("SELECT name, last_error FROM alert_rules"))
    assert state == {"off": None, "broken": "this rule cannot be judged", "working": None}


def test_replay_judges_each_period_as_the_job_would_have(daily, day):
    db = daily([100, 100, 40, 100, 30])
    found = replay(db, PM, rule(direction="below", threshold=50), day(1), day(6), today=day(5))
    assert found["period"].tolist() == [day(1), day(2), day(3), day(4)]  # day 5 is today, day 6 the future
    assert found["fired"].tolist() == [False, True, False, True]
    assert found["observed"].tolist() == [100, 40, 100, 30]
    assert found.columns.tolist() == evaluate.REPLAY_COLUMNS
    assert db.scalar("SELECT count(*) FROM alerts") == 0


def test_replay_validates_the_rule_and_the_viewer(daily, day):
    db = daily([100])
    with pytest.raises(AnalyticsError, match="threshold: must be a finite number"):
        replay(db, PM, rule(direction="below"), day(0), day(0), today=day(1))
    member = Viewer.for_role("m", "member", user_id="u")
    with pytest.raises(PermissionDenied):
        replay(db, member, rule(direction="below", threshold=1), day(0), day(0), today=day(1))


def test_empty_replay_has_the_columns(daily, day):
    db = daily([100])
    found = replay(db, PM, rule(direction="below", threshold=1), day(0), day(0), today=day(0))
    pd.testing.assert_index_equal(found.columns, pd.Index(evaluate.REPLAY_COLUMNS))


def test_the_server_job_judges_yesterday(daily):
    db = daily([100])
    create_rule(db, PM, name="drop", metric="events", condition="threshold", direction="below", threshold=50)
    job = alerts_job()
    assert job.every_s == 300
    Scheduler(db, [job]).run_due()
    assert job.last_error is None
    yesterday = today_in_zone(load_settings().reporting_timezone) - timedelta(days=1)
    assert db.rows("SELECT period_start::DATE, observed FROM alerts") == [(yesterday, 0.0)]
    assert job.name in [registered.name for registered in slow_jobs(load_settings())]
