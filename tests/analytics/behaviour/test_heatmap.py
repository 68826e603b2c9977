"""The weekday × hour heatmap counts sessions at their local start hour, across DST changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from analytics.behaviour.heatmap import activity_heatmap
from analytics.behaviour.local_time import zone_offsets
from analytics.errors import PermissionDenied
from analytics.filters import Filters
from analytics.viewer import SYSTEM

# America/New_York moves from UTC-5 to UTC-4 at 2024-03-10 07:00 UTC.
EVENTS = [
    ("a", "session_start", "2024-03-08 04:00", "a0"),  # Thu 7 Mar 23:00 local: before the period
    ("a", "session_start", "2024-03-08 13:00", "a1"),  # Fri 08:00 EST
    ("a", "exercise", "2024-03-08 13:05", "a1"),
    ("a", "exercise", "2024-03-08 13:10", "a1"),
    ("b", "session_start", "2024-03-10 06:30", "b1"),  # Sun 01:30 EST, just before the change
    ("b", "session_start", "2024-03-10 07:30", "b2"),  # Sun 03:30 EDT, just after it
    ("a", "session_start", "2024-03-11 13:00", "a2"),  # Mon 09:00 EDT: same UTC hour, one hour later
    ("b", "session_start", "2024-03-11 13:20", "b3"),  # Mon 09:20 EDT
    ("b", "lesson", "2024-03-11 13:25", "b3"),
    ("c", "session_start", "2024-03-12 03:00", "c1"),  # Mon 23:00 EDT, still 11 March
    ("w", "session_start", "2024-03-11 13:00", "w1"),  # withdrew consent
]
PERIOD = Filters(start=date(2024, 3, 8), end=date(2024, 3, 11))


@pytest.fixture
def new_york(load, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "America/New_York")
    return load(EVENTS, withdrawn=("w",), zone="America/New_York")


def test_hours_are_local_on_both_sides_of_the_dst_change(new_york):
    grid = activity_heatmap(new_york, SYSTEM, PERIOD)
    assert len(grid) == 7 * 24
    busy = grid[grid["sessions"] > 0].set_index(["weekday", "hour"])
    assert busy.to_dict("index") == {
        (0, 9): {"weekday_name": "Mon", "sessions": 2, "events": 3, "users": 2},
        (0, 23): {"weekday_name": "Mon", "sessions": 1, "events": 1, "users": 1},
        (4, 8): {"weekday_name": "Fri", "sessions": 1, "events": 3, "users": 1},
        (6, 1): {"weekday_name": "Sun", "sessions": 1, "events": 1, "users": 1},
        (6, 3): {"weekday_name": "Sun", "sessions": 1, "events": 1, "users": 1},
    }


def test_activity_types_keep_sessions_holding_them(new_york):
    grid = activity_heatmap(
        new_york, SYSTEM, Filters(start=PERIOD.start, end=PERIOD.end, activity_types=("lesson",))
    )
    busy = grid[grid["sessions"] > 0]
    assert busy[["weekday", "hour", "sessions", "events"]].values.tolist() == [[0, 9, 1, 2]]


def test_segment_narrows_the_users(load):
    db = load(EVENTS, plans={"b": "pro"})
    grid = activity_heatmap(
        db, SYSTEM, Filters(start=PERIOD.start, end=PERIOD.end, segment=(("plan", "pro"),))
    )
    assert grid["sessions"].sum() == 3
    assert set(grid.loc[grid["sessions"] > 0, "users"]) == {1}


@pytest.mark.parametrize(
    ("zone", "start", "end", "expected"),
    [
        ("UTC", datetime(2024, 1, 1), datetime(2024, 12, 31), [(None, 0)]),
        ("Asia/Kathmandu", datetime(2024, 1, 1), datetime(2024, 12, 31), [(None, 345)]),
        (
            "America/New_York",
            datetime(2024, 3, 1),
            datetime(2024, 11, 30),
            [(None, -300), (datetime(2024, 3, 10, 7), -240), (datetime(2024, 11, 3, 6), -300)],
        ),
        # Lord Howe Island moves by half an hour, at 02:00 local = 15:30 UTC the day before.
        (
            "Australia/Lord_Howe",
            datetime(2024, 9, 1),
            datetime(2024, 10, 31),
            [(None, 630), (datetime(2024, 10, 5, 15, 30), 660)],
        ),
    ],
)
def test_zone_offsets_find_each_change_to_the_minute(zone, start, end, expected):
    assert zone_offsets(zone, start, end) == expected


def test_members_may_not_see_the_heatmap(db, member):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        activity_heatmap(db, member, PERIOD)
