"""Each achievement rule, earned and not earned, with the day it was earned; and the seeded ground truth."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.errors import PermissionDenied
from analytics.personal.achievements import (
    ACHIEVEMENT_COLUMNS,
    ACHIEVEMENTS,
    achievements_of,
    user_achievements,
)
from analytics.viewer import Viewer
from tests.analytics.personal.personal_data import AS_OF, daily, days, fill
from tests.conftest import SEEDED_END

AS_OF_MARCH_31 = date(2024, 3, 31)


def march(day: int) -> date:
    return date(2024, 3, day)


def outcome(rows: list[dict], key: str, as_of: date = AS_OF_MARCH_31) -> tuple:
    """(earned_on, progress, progress_text) of achievement `key` for `rows`."""
    table = achievements_of(daily(rows), as_of=as_of).set_index("achievement")
    return table.at[key, "earned_on"], round(table.at[key, "progress"], 4), table.at[key, "progress_text"]


@pytest.mark.parametrize(
    ("rows", "as_of", "expected"),
    [
        (days(1, 5, 8), AS_OF_MARCH_31, (march(8), 1.0, "Started on 01 Mar 2024, back on 08 Mar 2024.")),
        (
            days(1, 7),
            march(7),
            (None, 0.8571, "Started on 01 Mar 2024: come back on any day from 08 Mar 2024."),
        ),
        (
            days(1, 7),
            march(20),
            (None, 1.0, "Started on 01 Mar 2024: come back on any day from 08 Mar 2024."),
        ),
        ([], march(7), (None, 0.0, "Practise on any day to start.")),
    ],
)
def test_first_week(rows, as_of, expected):
    assert outcome(rows, "first_week", as_of) == expected


@pytest.mark.parametrize(
    ("rows", "key", "expected"),
    [
        (days(*range(1, 8)), "streak_7", (march(7), 1.0, "7 days in a row, 01 Mar to 07 Mar 2024.")),
        (days(1, *range(3, 13)), "streak_7", (march(9), 1.0, "7 days in a row, 03 Mar to 09 Mar 2024.")),
        (days(*range(1, 7), *range(8, 14)), "streak_7", (None, 0.8571, "Longest run so far: 6 of 7 days.")),
        (days(*range(1, 31)), "streak_30", (march(30), 1.0, "30 days in a row, 01 Mar to 30 Mar 2024.")),
        (days(*range(1, 31)), "streak_7", (march(7), 1.0, "7 days in a row, 01 Mar to 07 Mar 2024.")),
        (days(*range(2, 31)), "streak_30", (None, 0.9667, "Longest run so far: 29 of 30 days.")),
    ],
)
def test_streaks(rows, key, expected):
    assert outcome(rows, key) == expected


def exercises(*counts: int) -> list[dict]:
    return [{"day": march(n + 1), "exercise_count": count} for n, count in enumerate(counts)]


@pytest.mark.parametrize(
    ("rows", "key", "expected"),
    [
        (exercises(40, 50, 20), "exercises_100", (march(3), 1.0, "100 exercises done by 03 Mar 2024.")),
        (exercises(40, 60, 20), "exercises_100", (march(2), 1.0, "100 exercises done by 02 Mar 2024.")),
        (exercises(40, 50), "exercises_100", (None, 0.9, "90 of 100 exercises.")),
        (exercises(40, 50, 20), "exercises_1000", (None, 0.11, "110 of 1,000 exercises.")),
        (exercises(400, 500, 200), "exercises_1000", (march(3), 1.0, "1,000 exercises done by 03 Mar 2024.")),
    ],
)
def test_exercise_counts(rows, key, expected):
    assert outcome(rows, key) == expected


def answers(*days_points_answers: tuple[int, float, int]) -> list[dict]:
    return [
        {"day": march(n), "accuracy_sum": points, "accuracy_count": count}
        for n, points, count in days_points_answers
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # 1 and 5 March fall in the 7 days ending on the 5th: 8.5 points over 10 answers = 85%.
        (
            answers((1, 4.0, 5), (5, 4.5, 5)),
            (march(5), 1.0, "85% over 10 answers in the 7 days to 05 Mar 2024."),
        ),
        # 1 and 8 March are 7 days apart, so never in one window: 5 answers at most.
        (
            answers((1, 4.0, 5), (8, 4.5, 5)),
            (None, 0.0, "Answer at least 10 exercises within 7 days (best so far: 5)."),
        ),
        (answers((1, 3.0, 4), (2, 4.5, 6)), (None, 0.9375, "Best 7 days so far: 75% accuracy.")),
        (
            answers((1, 3.0, 4), (2, 5.0, 6)),
            (march(2), 1.0, "80% over 10 answers in the 7 days to 02 Mar 2024."),
        ),
        ([], (None, 0.0, "Answer at least 10 exercises within 7 days.")),
    ],
)
def test_sharp_week(rows, expected):
    assert outcome(rows, "sharp_week") == expected


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([2, None, 5, 3], (march(3), 1.0, "Level 5 reached on 03 Mar 2024.")),
        ([2, 4], (None, 0.8, "Highest level so far: 4 of 5.")),
        ([None], (None, 0.0, "Highest level so far: 0 of 5.")),
    ],
)
def test_level(levels, expected):
    rows = [{"day": march(n + 1), "max_level": level} for n, level in enumerate(levels)]
    assert outcome(rows, "level_5") == expected


def test_days_after_as_of_do_not_count():
    table = achievements_of(daily(exercises(40, 50, 20)), as_of=march(2)).set_index("achievement")
    assert table.at["exercises_100", "earned_on"] is None
    assert table.at["exercises_100", "progress_text"] == "90 of 100 exercises."


def test_the_members_achievements(db):
    filled = fill(db)
    found = user_achievements(filled, Viewer.for_role("a", "member", user_id="ana"), "ana", as_of=AS_OF)
    assert list(found.columns) == ACHIEVEMENT_COLUMNS
    assert found["achievement"].tolist() == [a.key for a in ACHIEVEMENTS]
    earned = found.set_index("achievement")["earned_on"]
    # First active on Monday 22 January, so back on Monday 29th (Saturday 27th is too early); at most 4
    # answers within 7 days (26-29 February), 6 exercises, level 3.
    assert earned.to_dict() == {
        "first_week": date(2024, 1, 29),
        "streak_7": None,
        "streak_30": None,
        "exercises_100": None,
        "exercises_1000": None,
        "sharp_week": None,
        "level_5": None,
    }
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        user_achievements(filled, Viewer.for_role("b", "member", user_id="bob"), "ana", as_of=AS_OF)


def test_seeded_achievements_are_recovered(seeded_db):
    """The generator awards first_week, streak_7 and exercises_100 by the same rules, counting days in each
    user's own time zone where Pulse counts reporting-zone (UTC) days: dates agree for nearly everyone."""
    truth = seeded_db.query(
        "SELECT user_id, properties->>'achievement' AS achievement, min(timestamp)::DATE AS day FROM events "
        "WHERE activity_type = 'achievement' GROUP BY ALL"
    )
    truth = {(row.user_id, row.achievement): row.day.date() for row in truth.itertuples()}
    daily_rows = seeded_db.query(
        "SELECT d.* FROM user_daily d JOIN users USING (user_id) WHERE consent_analytics ORDER BY user_id, day"
    )
    daily_rows["day"] = [pd.Timestamp(day).date() for day in daily_rows["day"]]
    agree = {"first_week": [], "streak_7": [], "exercises_100": []}
    for user, rows in daily_rows.groupby("user_id"):
        found = achievements_of(rows.reset_index(drop=True), as_of=SEEDED_END).set_index("achievement")[
            "earned_on"
        ]
        for key, same in agree.items():
            same.append(found[key] == truth.get((user, key)))
    assert len(agree["first_week"]) > 350
    assert all(agree["exercises_100"])
    assert sum(agree["first_week"]) / len(agree["first_week"]) > 0.95
    assert sum(agree["streak_7"]) / len(agree["streak_7"]) > 0.98
