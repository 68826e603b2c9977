"""One user's weeks, this week against the usual week, streaks and sessions, against hand-computed answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.behaviour.consistency import consistency
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.overview import data_days
from analytics.personal.activity import (
    SessionStats,
    Streaks,
    WeekComparison,
    session_stats,
    streaks,
    streaks_of,
    this_week,
    weekly_activity,
)
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.personal.personal_data import AS_OF, fill

ANA = Viewer.for_role("ana-account", "member", user_id="ana")
BOB = Viewer.for_role("bob-account", "member", user_id="bob")
PM = Viewer.for_role("pm", "product_manager")


@pytest.fixture
def filled(db):
    return fill(db)


def march(day: int) -> date:
    return date(2024, 3, day)


def test_this_week_against_the_usual_week(filled):
    # Usual weeks: the 7 weeks from ana's first (22 Jan); Monday-Wednesday of each holds 1 active day and
    # 1 event, except the week of 26 Feb (3 and 3); whole weeks hold 2 active days, that one 4.
    assert this_week(filled, ANA, "ana", as_of=AS_OF) == WeekComparison(
        week_start=march(11),
        days_so_far=3,
        active_days=2,
        events=3,
        usual_active_days=1.0,
        usual_events=1.0,
        usual_week_active_days=2.0,
        history_weeks=7,
    )
    two = this_week(filled, PM, "ana", as_of=AS_OF, usual_weeks=2)  # weeks of 4 Mar and 26 Feb
    assert (two.usual_active_days, two.usual_events, two.usual_week_active_days) == (2.0, 2.0, 3.0)


def test_a_first_week_has_no_usual_week(filled):
    first = this_week(filled, ANA, "ana", as_of=date(2024, 1, 24))
    assert (first.active_days, first.history_weeks, first.usual_active_days) == (1, 0, None)


def test_weekly_activity(filled):
    expected = pd.DataFrame(
        {
            "week_start": [date(2024, 2, 26), march(4), march(11)],
            "active_days": [4, 2, 2],
            "events": [4, 3, 3],
            "sessions": [4, 2, 2],
            "exercises": [4, 0, 2],
            "active_minutes": [4.0, 0.0, 2.0],
            "complete": [True, True, False],
        }
    )
    pd.testing.assert_frame_equal(weekly_activity(filled, ANA, "ana", as_of=AS_OF, weeks=3), expected)


def test_session_stats(filled):
    # Sessions of 7-13 March: Saturday 9th (two lessons 5 min apart), Monday 11th (10 min), Wednesday (one event).
    assert session_stats(filled, ANA, "ana", as_of=AS_OF, days=7) == SessionStats(
        first_day=march(7),
        last_day=AS_OF,
        sessions=3,
        median_duration_s=300.0,
        total_duration_s=900.0,
        sessions_per_week=3.0,
    )
    empty = session_stats(filled, ANA, "ana", as_of=date(2024, 1, 1), days=7)
    assert (empty.sessions, empty.median_duration_s, empty.total_duration_s) == (0, None, 0.0)


def test_streaks_of_the_member(filled):
    assert streaks(filled, ANA, "ana", as_of=AS_OF) == Streaks(
        1, 4, date(2024, 2, 26), date(2024, 2, 29), AS_OF
    )
    assert streaks(filled, ANA, "ana", as_of=march(14)).current_days == 2  # 13 and 14 March


@pytest.mark.parametrize(
    ("days", "as_of", "expected"),
    [
        ([1, 2, 3, 5, 6, 8], 8, Streaks(1, 3, march(1), march(3), march(8))),
        ([1, 2, 3, 5, 6, 8], 9, Streaks(1, 3, march(1), march(3), march(8))),  # a run ending yesterday counts
        ([1, 2, 3, 5, 6, 8], 10, Streaks(0, 3, march(1), march(3), march(8))),
        ([1, 2, 4, 5], 5, Streaks(2, 2, march(4), march(5), march(5))),  # equally long: the latest
        ([5, 1, 2, 2, 3], 5, Streaks(1, 3, march(1), march(3), march(5))),  # any order, repeats
        ([1, 2, 3, 9], 3, Streaks(3, 3, march(1), march(3), march(3))),  # days after as_of are ignored
        ([], 3, Streaks(0, 0, None, None, None)),
    ],
)
def test_streaks_of(days, as_of, expected):
    assert streaks_of([march(day) for day in days], as_of=march(as_of)) == expected


def test_streaks_agree_with_the_behaviour_page(seeded_db):
    first, last = data_days(seeded_db, SYSTEM)
    expected = consistency(seeded_db, SYSTEM, Filters(start=first, end=last)).set_index("user_id")
    active = seeded_db.query("SELECT user_id, day FROM user_daily")
    active["day"] = [pd.Timestamp(day).date() for day in active["day"]]
    found = {
        user: streaks_of(rows["day"], as_of=last)
        for user, rows in active.groupby("user_id")
        if user in expected.index
    }
    assert len(found) == len(expected) > 300
    assert {user: (s.current_days, s.longest_days) for user, s in found.items()} == {
        user: (row.current_streak_days, row.longest_streak_days) for user, row in expected.iterrows()
    }


def test_members_see_only_themselves(filled):
    for call in (weekly_activity, this_week, streaks, session_stats):
        with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
            call(filled, BOB, "ana", as_of=AS_OF)


@pytest.mark.parametrize(
    ("call", "option", "value", "high"),
    [
        (weekly_activity, "weeks", 0, 104),
        (this_week, "usual_weeks", 200, 104),
        (session_stats, "days", True, 728),
    ],
)
def test_bad_options_are_named(filled, call, option, value, high):
    with pytest.raises(
        AnalyticsError,
        match=rf"The '{option}' option of {call.__name__} must be an int in \[1, {high}\]\. Got {value!r}\.",
    ):
        call(filled, ANA, "ana", as_of=AS_OF, **{option: value})
