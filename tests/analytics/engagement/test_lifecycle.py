"""Lifecycle statuses of five users over four weeks (Mondays 1, 8, 15 and 22 January 2024)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.engagement.lifecycle import lifecycle
from analytics.filters import Filters
from analytics.viewer import Viewer

EVENTS = [
    ("p", "lesson", "2024-01-02 10:00", "p1"),  # every week
    ("p", "lesson", "2024-01-09 10:00", "p2"),
    ("p", "lesson", "2024-01-16 10:00", "p3"),
    ("p", "lesson", "2024-01-23 10:00", "p4"),
    ("q", "lesson", "2024-01-03 10:00", "q1"),  # weeks 1 and 3
    ("q", "exercise", "2024-01-17 10:00", "q2"),
    ("r", "lesson", "2023-12-13 10:00", "r1"),  # long ago, then week 2
    ("r", "lesson", "2024-01-10 10:00", "r2"),
    ("s", "lesson", "2024-01-18 10:00", "s1"),  # first event in week 3
    ("s", "lesson", "2024-01-24 10:00", "s2"),
    ("t", "lesson", "2023-12-28 10:00", "t1"),  # only the week before the range
]
FOUR_WEEKS = Filters(start=date(2024, 1, 1), end=date(2024, 1, 28), grain="week")
WEEKS = [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15), date(2024, 1, 22)]


def expected(counts: list[list[int]], complete: list[bool]) -> pd.DataFrame:
    rows = [
        (week, status, users, done)
        for week, week_counts, done in zip(WEEKS, counts, complete, strict=True)
        for status, users in zip(("new", "returning", "resurrecting", "dormant"), week_counts, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["period", "status", "users", "complete"])
    return frame.astype({"users": "int64"})


def test_statuses_over_four_weeks(load, db):
    load(EVENTS)
    found = lifecycle(db, Viewer.for_role("pm", "product_manager"), FOUR_WEEKS, today=date(2024, 1, 25))
    counts = [
        [2, 0, 0, -1],  # p, q new; t (active the week before) dormant
        [0, 1, 1, -1],  # p returning; r resurrecting; q dormant
        [1, 1, 1, -1],  # s new; p returning; q resurrecting; r dormant
        [0, 2, 0, -1],  # p, s returning; q dormant
    ]
    pd.testing.assert_frame_equal(found, expected(counts, [True, True, True, False]))


def test_activity_types_narrow_what_counts_as_active(load, db):
    load(EVENTS)
    exercise_only = Filters(
        start=FOUR_WEEKS.start, end=FOUR_WEEKS.end, grain="week", activity_types=("exercise",)
    )
    found = lifecycle(db, Viewer.for_role("pm", "product_manager"), exercise_only, today=date(2024, 2, 1))
    # Only q's week-3 exercise counts: q is new in week 3 and dormant in week 4.
    counts = [[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, -1]]
    pd.testing.assert_frame_equal(found, expected(counts, [True] * 4))
