"""Reporting in Europe/Berlin across the change to summer time (30 March 2025 has 23 hours)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.engagement.lifecycle import lifecycle
from analytics.engagement.retention import retention_matrix
from analytics.engagement.stickiness import dau_mau, stickiness
from analytics.filters import Filters
from analytics.viewer import SYSTEM

ZONE = "Europe/Berlin"
EVENTS = [
    ("u", "lesson", "2025-03-29 22:30", "u1"),  # 23:30 CET, 29 March
    ("u", "lesson", "2025-03-30 21:30", "u2"),  # 23:30 CEST, 30 March: 23 h after the first
    ("u", "lesson", "2025-03-30 22:30", "u3"),  # 00:30 CEST, 31 March: 24 h after the first
    ("v", "lesson", "2025-03-30 00:30", "v1"),  # 01:30 CET, 30 March
    ("v", "lesson", "2025-03-30 01:30", "v1"),  # 03:30 CEST, 30 March
]
DAYS = [date(2025, 3, 28), date(2025, 3, 29), date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 1)]
AROUND_THE_CHANGE = Filters(start=DAYS[0], end=DAYS[-1])
LATER = date(2025, 4, 10)


@pytest.fixture
def berlin(load, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", ZONE)
    return load(EVENTS, zone=ZONE)


def test_every_day_once_in_dau_mau(berlin):
    found = dau_mau(berlin, SYSTEM, AROUND_THE_CHANGE, today=LATER)
    assert found["day"].tolist() == DAYS
    assert found["dau"].tolist() == [0, 1, 2, 1, 0]
    assert found["mau"].tolist() == [0, 1, 2, 2, 2]


def test_every_day_once_in_lifecycle(berlin):
    found = lifecycle(berlin, SYSTEM, AROUND_THE_CHANGE, today=LATER)
    assert found.groupby("period").size().to_dict() == dict.fromkeys(DAYS, 4)
    new = found[found["status"] == "new"].set_index("period")["users"]
    assert new.tolist() == [0, 1, 1, 0, 0]


@pytest.mark.parametrize(
    ("window", "start_event", "u_retained"),
    [("calendar", None, [1, 1, 1]), ("rolling_24h", None, [1, 1, 0]), ("rolling_24h", "lesson", [1, 1, 0])],
)
def test_daily_retention_across_the_change(berlin, window, start_event, u_retained):
    found = retention_matrix(
        berlin,
        SYSTEM,
        AROUND_THE_CHANGE,
        period="day",
        window=window,
        start_event=start_event,
        periods=3,
        today=LATER,
    )
    cohorts = found.groupby("cohort")
    assert cohorts["cohort_size"].first().to_dict() == {DAYS[1]: 1, DAYS[2]: 1}
    assert found[found["cohort"] == DAYS[1]]["retained_users"].tolist() == u_retained
    assert found[found["cohort"] == DAYS[2]]["retained_users"].tolist() == [1, 0, 0]


def test_the_short_week_is_one_week(berlin):
    found = stickiness(berlin, SYSTEM, Filters(start=date(2025, 3, 24), end=date(2025, 3, 30)), today=LATER)
    pd.testing.assert_series_equal(found["users"], pd.Series([1, 1, 0, 0, 0, 0, 0], name="users"))
