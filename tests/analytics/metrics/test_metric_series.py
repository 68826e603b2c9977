"""Every metric kind at every grain against answers worked out by hand from conftest.EVENTS."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.metrics import metric_series, parse_metric
from analytics.viewer import SYSTEM, Viewer

LATER = date(2024, 3, 1)
NAN = np.nan
JAN_1_TO_10 = (date(2024, 1, 1), date(2024, 1, 10))
TWO_WEEKS = (date(2024, 1, 1), date(2024, 1, 14))
TWO_MONTHS = (date(2024, 1, 1), date(2024, 2, 29))

CASES = [
    # d (withdrawn) is left out everywhere; Jan 2 has only d's event.
    ("events", "day", JAN_1_TO_10, [3, 0, 2, 1, 0, 0, 0, 0, 2, 0]),
    ("events", "week", TWO_WEEKS, [6, 2]),
    ("events", "month", TWO_MONTHS, [8, 1]),
    ("active_users", "day", JAN_1_TO_10, [2, 0, 2, 1, 0, 0, 0, 0, 1, 0]),
    # Distinct users in the period, not the sum of daily counts (5 and 4).
    ("active_users", "week", TWO_WEEKS, [2, 1]),
    ("active_users", "month", TWO_MONTHS, [3, 1]),
    ("new_users", "day", JAN_1_TO_10, [2, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
    ("new_users", "week", TWO_WEEKS, [2, 1]),
    ("new_users", "month", TWO_MONTHS, [3, 0]),
    # s4 starts at 23:50 on Jan 3 and ends on Jan 4: it counts on the day it started.
    ("sessions", "day", JAN_1_TO_10, [2, 0, 2, 0, 0, 0, 0, 0, 1, 0]),
    ("sessions", "week", TWO_WEEKS, [4, 1]),
    ("sessions", "month", TWO_MONTHS, [5, 1]),
    ("count:exercise", "day", JAN_1_TO_10, [2, 0, 1, 1, 0, 0, 0, 0, 1, 0]),
    ("count:exercise", "week", TWO_WEEKS, [4, 1]),
    ("count:exercise", "month", TWO_MONTHS, [5, 0]),
    ("count:no_such_activity", "week", TWO_WEEKS, [0, 0]),
    ("users:exercise", "day", JAN_1_TO_10, [2, 0, 1, 1, 0, 0, 0, 0, 1, 0]),
    ("users:exercise", "week", TWO_WEEKS, [2, 1]),
    ("users:lesson", "month", TWO_MONTHS, [3, 1]),
    # Jan 4 has an exercise and no lesson: unknown, not infinite; February has a lesson and no exercise: 0.
    ("ratio:exercise/lesson", "day", JAN_1_TO_10, [2, NAN, 1, NAN, NAN, NAN, NAN, NAN, 1, NAN]),
    ("ratio:exercise/lesson", "week", TWO_WEEKS, [2, 1]),
    ("ratio:exercise/lesson", "month", TWO_MONTHS, [5 / 3, 0]),
    # "0.7" is a numeric string and counts; from the user_daily rollup.
    ("avg:accuracy", "day", JAN_1_TO_10, [0.75, NAN, 0.7, NAN, NAN, NAN, NAN, NAN, 0.9, NAN]),
    ("avg:accuracy", "week", TWO_WEEKS, [2.2 / 3, 0.9]),
    ("avg:accuracy", "month", TWO_MONTHS, [3.1 / 4, NAN]),
    # Read from the events' JSON; "long" is not a number and is skipped.
    ("avg:duration_s", "day", JAN_1_TO_10, [45, NAN, 10, 20, NAN, NAN, NAN, NAN, NAN, NAN]),
    ("avg:duration_s", "week", TWO_WEEKS, [30, NAN]),
    ("avg:duration_s", "month", TWO_MONTHS, [30, NAN]),
    ("avg:meta.level", "week", TWO_WEEKS, [4, NAN]),
]


@pytest.mark.parametrize(("text", "grain", "days", "expected"), CASES)
def test_every_kind_and_grain(shared_filled, text, grain, days, expected):
    filters = Filters(start=days[0], end=days[1], grain=grain)
    series = metric_series(shared_filled, SYSTEM, parse_metric(text), filters, today=LATER)
    starts = {
        "day": [days[0] + timedelta(n) for n in range(10)],
        "week": [date(2024, 1, 1), date(2024, 1, 8)],
    }
    starts["month"] = [date(2024, 1, 1), date(2024, 2, 1)]
    expect = pd.DataFrame(
        {"period": starts[grain], "value": np.array(expected, dtype="float64"), "complete": True}
    )
    pd.testing.assert_frame_equal(series, expect)


def test_segment_restricts_users(filled):
    filters = Filters(start=date(2024, 1, 1), end=date(2024, 1, 10), segment=(("plan", "pro"),))
    series = metric_series(filled, SYSTEM, parse_metric("events"), filters, today=LATER)
    # Users a and c are on the pro plan (d is too, but withdrew consent).
    assert series["value"].tolist() == [2, 0, 1, 1, 0, 0, 0, 0, 2, 0]


def test_new_users_count_the_first_day_ever_not_the_first_in_the_range(filled):
    filters = Filters(start=date(2024, 1, 3), end=date(2024, 1, 14), grain="week")
    series = metric_series(filled, SYSTEM, parse_metric("new_users"), filters, today=LATER)
    assert series["value"].tolist() == [0, 1]


def test_periods_cut_by_the_range_or_not_over_are_incomplete(filled):
    week = Filters(start=date(2024, 1, 3), end=date(2024, 1, 14), grain="week")
    assert metric_series(filled, SYSTEM, parse_metric("events"), week, today=LATER)["complete"].tolist() == [
        False,
        True,
    ]
    days = Filters(start=date(2024, 1, 1), end=date(2024, 1, 10))
    complete = metric_series(filled, SYSTEM, parse_metric("events"), days, today=date(2024, 1, 9))["complete"]
    assert complete.tolist() == [True] * 8 + [False] * 2


def test_sessions_and_days_follow_the_reporting_zone(load, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "Asia/Tokyo")
    db = load(zone="Asia/Tokyo")
    filters = Filters(start=date(2024, 1, 1), end=date(2024, 1, 4))
    # s4 starts at 23:50 UTC on Jan 3, which is 08:50 on Jan 4 in Tokyo.
    assert metric_series(db, SYSTEM, parse_metric("sessions"), filters, today=LATER)["value"].tolist() == [
        2,
        0,
        1,
        1,
    ]
    # Event times move too: a's 23:50 and 00:10 UTC exercises both fall on Jan 4 in Tokyo.
    durations = metric_series(db, SYSTEM, parse_metric("avg:duration_s"), filters, today=LATER)["value"]
    np.testing.assert_array_equal(durations, [45, NAN, NAN, 15])


def test_daylight_saving_change_gives_neither_duplicate_nor_missing_days(load, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "America/New_York")
    # Clocks go forward at 07:00 UTC on 10 March 2024; both sessions start on 10 March in New York.
    events = [
        ("a", "lesson", "2024-03-10 06:30", "s1", {}),
        ("a", "lesson", "2024-03-11 03:30", "s2", {}),
        ("a", "lesson", "2024-03-11 04:30", "s3", {}),
    ]
    db = load(events, zone="America/New_York")
    filters = Filters(start=date(2024, 3, 9), end=date(2024, 3, 11))
    series = metric_series(db, SYSTEM, parse_metric("sessions"), filters, today=LATER)
    assert series["period"].tolist() == [date(2024, 3, 9), date(2024, 3, 10), date(2024, 3, 11)]
    assert series["value"].tolist() == [0, 2, 1]


def test_empty_database_gives_zeros_and_nans(db):
    filters = Filters(start=date(2024, 1, 1), end=date(2024, 1, 3))
    assert metric_series(db, SYSTEM, parse_metric("users:lesson"), filters, today=LATER)[
        "value"
    ].tolist() == [
        0,
        0,
        0,
    ]
    assert metric_series(db, SYSTEM, parse_metric("avg:score"), filters, today=LATER)["value"].isna().all()


def test_activity_type_filter_is_refused(filled):
    filters = Filters(start=date(2024, 1, 1), end=date(2024, 1, 3), activity_types=("lesson",))
    with pytest.raises(AnalyticsError, match="names its activity types itself"):
        metric_series(filled, SYSTEM, parse_metric("events"), filters)


def test_members_may_not_see_product_wide_series(filled):
    member = Viewer.for_role("m", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        metric_series(filled, member, parse_metric("events"), Filters(start=LATER, end=LATER))
