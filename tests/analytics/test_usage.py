"""Pulse's own usage: page views, time on page, adoption per role, recommendation outcomes, alert precision."""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from analytics.alerts import alert_precision
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.usage import (
    adoption,
    page_summary,
    page_usage,
    recommendation_outcomes,
    record_page_view,
)
from analytics.viewer import SYSTEM, Viewer

NOW = datetime(2025, 3, 31, 12, 0)
PM = Viewer.for_role("pm1", "product_manager")
ANALYST = Viewer.for_role("analyst2", "analyst")


def views(db, rows: list[tuple[str, Viewer, str, datetime]]) -> None:
    """Record (browser_session, viewer, page, viewed_at) rows."""
    for session, viewer, page, at in rows:
        record_page_view(db, viewer, page, browser_session=session, now=at)


def test_a_page_view_is_one_row_and_leaves_caches_valid(db):
    version = db.data_version
    record_page_view(db, PM, "pages/overview.py", browser_session="tab", now=NOW)
    assert db.rows("SELECT * FROM page_views") == [
        (NOW, "pm1", "product_manager", "pages/overview.py", "tab")
    ]
    assert db.data_version == version


def test_recording_a_view_costs_well_under_five_milliseconds(db):
    spent_ms = []
    for number in range(60):
        started = time.perf_counter()
        record_page_view(
            db, PM, "pages/overview.py", browser_session="tab", now=NOW + timedelta(seconds=number)
        )
        spent_ms.append((time.perf_counter() - started) * 1000)
    assert statistics.median(spent_ms) < 5, spent_ms


def test_time_on_page_runs_to_the_tabs_next_view_of_the_same_account_capped_at_30_minutes(db):
    start = datetime(2025, 3, 3, 9, 0)
    views(
        db,
        [
            ("a", PM, "pages/overview.py", start),  # next in tab a: 90 s later
            ("a", PM, "pages/engagement.py", start + timedelta(seconds=90)),  # next: 2 h later, capped
            ("a", PM, "pages/overview.py", start + timedelta(hours=2)),  # last of tab a: no time
            ("b", PM, "pages/overview.py", start + timedelta(seconds=30)),  # next in tab b: 10 min later
            ("b", PM, "pages/overview.py", start + timedelta(seconds=630)),  # last of tab b
            ("a", ANALYST, "pages/overview.py", start + timedelta(seconds=60)),  # another account: own visit
        ],
    )
    summary = page_summary(db, SYSTEM, start=date(2025, 3, 3), end=date(2025, 3, 3))
    expected = pd.DataFrame(
        {
            "page": ["pages/overview.py", "pages/engagement.py", "pages/overview.py"],
            "role": ["product_manager", "product_manager", "analyst"],
            "views": [4, 1, 1],
            "accounts": [1, 1, 1],
            "timed_views": [2, 1, 0],
            "median_time_s": [(90 + 600) / 2, 1800.0, float("nan")],
        }
    )
    pd.testing.assert_frame_equal(summary, expected, check_dtype=False)


def test_a_next_view_after_the_period_still_ends_a_view_in_it(db):
    views(
        db,
        [
            ("a", PM, "pages/overview.py", datetime(2025, 3, 3, 23, 59)),
            ("a", PM, "pages/funnels.py", datetime(2025, 3, 4, 0, 1)),
            ("b", PM, "pages/paths.py", datetime(2025, 3, 3, 22, 0)),
            ("b", PM, "pages/paths.py", datetime(2025, 3, 6, 9, 0)),  # days later: the cap
        ],
    )
    summary = page_summary(db, SYSTEM, start=date(2025, 3, 3), end=date(2025, 3, 3))
    assert summary[["page", "views", "median_time_s"]].values.tolist() == [
        ["pages/overview.py", 1, 120.0],
        ["pages/paths.py", 1, 1800.0],
    ]


def test_page_usage_per_week_marks_periods_cut_or_in_progress(db):
    views(
        db,
        [
            ("a", PM, "pages/overview.py", datetime(2025, 3, 2, 10)),  # Sunday: week of 24 Feb, cut by start
            ("b", PM, "pages/overview.py", datetime(2025, 3, 4, 10)),
            ("c", ANALYST, "pages/overview.py", datetime(2025, 3, 5, 10)),
            ("d", PM, "pages/overview.py", datetime(2025, 3, 11, 10)),  # week of 10 March: not over on 14th
        ],
    )
    found = page_usage(
        db, SYSTEM, start=date(2025, 3, 1), end=date(2025, 3, 16), grain="week", today=date(2025, 3, 14)
    )
    assert found[["period", "role", "views", "complete"]].values.tolist() == [
        [date(2025, 2, 24), "product_manager", 1, False],
        [date(2025, 3, 3), "analyst", 1, True],
        [date(2025, 3, 3), "product_manager", 1, True],
        [date(2025, 3, 10), "product_manager", 1, False],
    ]


def test_days_are_reporting_zone_days(db, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "Europe/Berlin")
    # 23:30 UTC on 29 March is 00:30 on 30 March in Berlin (UTC+1 until 01:00 UTC that day).
    views(db, [("a", PM, "pages/overview.py", datetime(2025, 3, 29, 23, 30))])
    found = page_usage(db, SYSTEM, start=date(2025, 3, 30), end=date(2025, 3, 30), grain="day")
    assert found[["period", "views"]].values.tolist() == [[date(2025, 3, 30), 1]]
    assert page_usage(db, SYSTEM, start=date(2025, 3, 29), end=date(2025, 3, 29), grain="day").empty


def add_account(
    db, username: str, role: str, *, enabled: bool = True, last_login_at: datetime | None = None
) -> None:
    db.cursor().execute(
        "INSERT INTO accounts (username, display_name, role, user_id, password_hash, enabled, "
        "password_changed_at, last_login_at) VALUES (?, ?, ?, ?, 'x', ?, ?, ?)",
        [username, username, role, "u1" if role == "member" else None, enabled, NOW, last_login_at],
    )


def test_adoption_counts_sign_ins_and_page_views_per_role(db):
    add_account(db, "admin1", "admin", last_login_at=NOW - timedelta(days=2))
    add_account(db, "pm1", "product_manager", last_login_at=NOW - timedelta(days=10))
    add_account(db, "pm2", "product_manager", last_login_at=NOW - timedelta(days=20))
    add_account(db, "pm3", "product_manager")
    add_account(db, "analyst1", "analyst", enabled=False, last_login_at=NOW - timedelta(days=1))
    add_account(db, "analyst2", "analyst")
    add_account(db, "member1", "member")
    add_account(db, "member2", "member", last_login_at=NOW - timedelta(days=7))
    db.cursor().execute(
        "INSERT INTO login_sessions VALUES ('s1', 'member1', ?, ?, NULL, NULL, 'ui'), "
        "('s2', 'pm3', ?, ?, NULL, NULL, 'ui')",
        [NOW - timedelta(days=6, hours=23), NOW, NOW - timedelta(days=40), NOW],
    )
    views(
        db,
        [
            ("a", PM, "pages/overview.py", NOW - timedelta(days=3)),  # pm1: active in 7 days by a view
            ("b", ANALYST, "pages/overview.py", NOW + timedelta(hours=1)),  # after `now`: not counted
        ],
    )
    found = adoption(db, SYSTEM, now=NOW)
    expected = pd.DataFrame(
        {
            "role": ["admin", "analyst", "product_manager", "member"],
            "accounts": [1, 1, 3, 2],
            "active_7d": [1, 0, 1, 1],  # member2 signed in exactly 7 days ago: not within the last 7
            "active_7d_pct": [100.0, 0.0, 33.3, 50.0],
            "active_28d": [1, 0, 2, 2],
            "active_28d_pct": [100.0, 0.0, 66.7, 100.0],
        }
    )
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)


def test_adoption_of_a_role_without_accounts_is_unknown(db):
    found = adoption(db, SYSTEM, now=NOW, windows_days=(7,))
    assert found["accounts"].tolist() == [0, 0, 0, 0]
    assert found["active_7d_pct"].isna().all()


def add_recommendation(db, number: int, user_id: str, kind: str, status: str, age_days: float) -> None:
    db.cursor().execute(
        "INSERT INTO recommendations (recommendation_id, user_id, recommendation_type, item, reason, "
        "priority_score, status, created_at) VALUES (?, ?, ?, 'x', 'r', 1, ?, ?)",
        [f"r{number}", user_id, kind, status, NOW - timedelta(days=age_days)],
    )


def test_recommendation_outcomes_done_dismissed_ignored_and_pending(db):
    db.cursor().execute(
        "INSERT INTO users (user_id, consent_analytics) VALUES ('u1', true), ('u2', true), ('gone', false)"
    )
    for number, (user, kind, status, age) in enumerate(
        [
            ("u1", "content", "done", 30),
            ("u1", "content", "dismissed", 30),
            ("u1", "content", "open", 20),  # ignored: open for more than 14 days
            ("u2", "content", "open", 3),  # pending
            ("u2", "improvement", "done", 1),
            ("u2", "improvement", "open", 14.5),  # ignored
            ("unknown", "improvement", "done", 2),  # no users row: kept (nothing says consent was withdrawn)
            ("gone", "content", "done", 2),  # withdrew consent: left out
        ]
    ):
        add_recommendation(db, number, user, kind, status, age)
    found = recommendation_outcomes(db, SYSTEM, now=NOW)
    expected = pd.DataFrame(
        {
            "recommendation_type": ["all", "content", "improvement"],
            "recommendations": [7, 4, 3],
            "done": [3, 1, 2],
            "dismissed": [1, 1, 0],
            "ignored": [2, 1, 1],
            "pending": [1, 1, 0],
            "implementation_rate": [3 / 6, 1 / 3, 2 / 3],
            "dismissal_rate": [1 / 6, 1 / 3, 0.0],
            "ignored_rate": [2 / 6, 1 / 3, 1 / 3],
        }
    )
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)
    longer = recommendation_outcomes(db, SYSTEM, now=NOW, ignored_after_days=21)
    assert longer.loc[0, ["ignored", "pending"]].tolist() == [0, 3]


def test_no_recommendations_give_an_all_row_of_zeros(db):
    found = recommendation_outcomes(db, SYSTEM, now=NOW)
    assert found[["recommendation_type", "recommendations", "done"]].values.tolist() == [["all", 0, 0]]
    assert pd.isna(found.loc[0, "implementation_rate"])


def test_alert_precision_is_useful_over_judged(db):
    for number, feedback in enumerate(["useful", "useful", "noise", None]):
        db.cursor().execute(
            "INSERT INTO alerts (alert_id, metric, period_start, message, feedback) VALUES (?, 'events', ?, 'm', ?)",
            [f"a{number}", NOW, feedback],
        )
    assert alert_precision(db, SYSTEM) == {
        "alerts": 4,
        "judged": 3,
        "useful": 2,
        "noise": 1,
        "precision": 2 / 3,
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda db: page_usage(db, SYSTEM, start=date(2025, 3, 1), end=date(2025, 3, 2), grain="year"),
            "The grain must be one of day, week, month. Got 'year'",
        ),
        (
            lambda db: page_summary(db, SYSTEM, start=date(2025, 3, 2), end=date(2025, 3, 1)),
            "must end on or after its start",
        ),
        (
            lambda db: recommendation_outcomes(db, SYSTEM, ignored_after_days=0),
            "'ignored_after_days' option must be a whole number of days from 1 to 365. Got 0",
        ),
        (
            lambda db: adoption(db, SYSTEM, windows_days=(7, 400)),
            "'windows_days' option must be a whole number of days from 1 to 365. Got 400",
        ),
    ],
)
def test_bad_options_are_refused(db, call, message):
    with pytest.raises(AnalyticsError, match=message):
        call(db)


@pytest.mark.parametrize("call", [adoption, recommendation_outcomes])
def test_only_account_managers_see_pulse_usage(db, call):
    with pytest.raises(PermissionDenied, match="needs the MANAGE_ACCOUNTS permission"):
        call(db, ANALYST)
