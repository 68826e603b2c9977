"""Goals: progress of each kind by hand, and who may read, create and delete them."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from analytics.errors import AnalyticsError, NotFoundError, PermissionDenied
from analytics.personal import goals
from analytics.personal.goals import create_goal, delete_goal, goal_progress, list_goals, progress_of
from analytics.privacy.access import export_user_data
from analytics.viewer import Viewer
from tests.analytics.personal.personal_data import AS_OF, daily, fill

ANA = Viewer.for_role("ana-account", "member", user_id="ana")
BOB = Viewer.for_role("bob-account", "member", user_id="bob")
PM = Viewer.for_role("pm", "product_manager")
ADMIN = Viewer.for_role("root", "admin")


def march(day: int) -> date:
    return date(2024, 3, day)


@pytest.fixture
def filled(db):
    return fill(db)


ACTIVE = daily([{"day": day, "event_count": 1} for day in (march(8), march(11), march(13), march(15))])
EXERCISES = daily(
    [
        {"day": date(2024, 2, 29), "exercise_count": 10},
        {"day": march(1), "exercise_count": 30},
        {"day": march(10), "exercise_count": 50},
        {"day": march(20), "exercise_count": 5},
    ]
)
LEVELS = daily([{"day": march(n + 1), "max_level": level} for n, level in enumerate([2, None, 5, 3])])


@pytest.mark.parametrize(
    ("kind", "target", "rows", "expected"),
    [
        # Monday 11 to Sunday 17 March; 8 March is last week and 15 March after as_of.
        (
            "days_per_week",
            2,
            ACTIVE,
            (march(11), march(17), 2.0, 1.0, True, march(13), "2 of 2 days this week"),
        ),
        ("days_per_week", 4, ACTIVE, (march(11), march(17), 2.0, 0.5, False, None, "2 of 4 days this week")),
        # 30 on 1 March + 50 on the 10th: 80 by as_of (29 February is last month, 20 March after as_of).
        (
            "exercises_per_month",
            60,
            EXERCISES,
            (march(1), march(31), 80.0, 1.0, True, march(10), "80 of 60 exercises in March"),
        ),
        (
            "exercises_per_month",
            100,
            EXERCISES,
            (march(1), march(31), 80.0, 0.8, False, None, "80 of 100 exercises in March"),
        ),
        ("reach_level", 5, LEVELS, (None, None, 5.0, 1.0, True, march(3), "highest level so far: 5")),
        ("reach_level", 4, LEVELS, (None, None, 5.0, 1.0, True, march(3), "highest level so far: 5")),
        ("reach_level", 10, LEVELS, (None, None, 5.0, 0.5, False, None, "highest level so far: 5")),
        ("reach_level", 2, daily([]), (None, None, 0.0, 0.0, False, None, "no level reached yet")),
    ],
)
def test_progress_of_each_kind(kind, target, rows, expected):
    found = progress_of(kind, target, rows, as_of=march(13))
    columns = ("period_start", "period_end", "value", "share", "met", "met_on", "text")
    assert tuple(found[column] for column in columns) == expected


def test_a_member_sets_goals_and_sees_progress(filled):
    first = create_goal(filled, ANA, "ana", "days_per_week", 2)
    create_goal(filled, ANA, "ana", "reach_level", 5)
    create_goal(filled, ANA, "ana", "exercises_per_month", 100)
    listed = list_goals(filled, PM, "ana")
    assert listed["title"].tolist() == ["Practise 2 days a week", "Reach level 5", "100 exercises this month"]
    assert listed["created_by"].tolist() == ["ana-account"] * 3
    progress = goal_progress(filled, ANA, "ana", as_of=AS_OF).set_index("kind")
    assert progress.loc["days_per_week", ["value", "met", "met_on"]].tolist() == [2.0, True, march(13)]
    assert progress.loc["reach_level", ["value", "share", "met"]].tolist() == [3.0, 0.6, False]
    assert progress.loc["exercises_per_month", ["value", "share"]].tolist() == [2.0, 0.02]  # two on 11 March
    delete_goal(filled, ANA, first)
    assert list_goals(filled, ANA, "ana")["kind"].tolist() == ["reach_level", "exercises_per_month"]
    assert filled.scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'goal_%'") == 0


def test_no_goals_means_an_empty_table(filled):
    found = goal_progress(filled, ANA, "ana", as_of=AS_OF)
    assert found.empty and list(found.columns) == goals.PROGRESS_COLUMNS


def test_others_may_look_but_only_admins_may_change(filled):
    goal = create_goal(filled, ANA, "ana", "days_per_week", 3)
    assert list_goals(filled, PM, "ana")["goal_id"].tolist() == [goal]
    with pytest.raises(PermissionDenied, match="may look at the goals of user 'ana' but not change them"):
        create_goal(filled, PM, "ana", "days_per_week", 4)
    with pytest.raises(PermissionDenied, match="may look at the goals of user 'ana' but not change them"):
        delete_goal(filled, PM, goal)
    for call in (
        lambda: list_goals(filled, BOB, "ana"),
        lambda: create_goal(filled, BOB, "ana", "reach_level", 2),
    ):
        with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
            call()
    made = create_goal(filled, ADMIN, "ana", "reach_level", 4, source="127.0.0.1")
    delete_goal(filled, ADMIN, made)
    audited = filled.rows(
        "SELECT actor, action, target, source FROM audit_log WHERE action LIKE 'goal_%' ORDER BY audit_id"
    )
    assert audited == [("root", "goal_create", "ana", "127.0.0.1"), ("root", "goal_delete", "ana", None)]


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        (
            "sleep",
            8,
            r"The goal kind must be one of days_per_week, exercises_per_month, reach_level\. Got 'sleep'\.",
        ),
        (
            "days_per_week",
            8,
            r"The target of a days_per_week goal \(active days this week\) must be an int in \[1, 7\]\. Got 8\.",
        ),
        ("exercises_per_month", 0, r"must be an int in \[1, 100,000\]\. Got 0\."),
        ("reach_level", 2.5, r"must be an int in \[1, 1,000\]\. Got 2\.5\."),
        ("reach_level", True, r"Got True\."),
    ],
)
def test_bad_goals_are_refused(filled, kind, target, message):
    with pytest.raises(AnalyticsError, match=message):
        create_goal(filled, ANA, "ana", kind, target)


def test_duplicates_limits_and_unknown_ids(filled, monkeypatch):
    create_goal(filled, ANA, "ana", "days_per_week", 2)
    with pytest.raises(AnalyticsError, match="User 'ana' already has the goal 'Practise 2 days a week'"):
        create_goal(filled, ANA, "ana", "days_per_week", 2)
    monkeypatch.setattr(goals, "MAX_GOALS", 2)
    create_goal(filled, ANA, "ana", "days_per_week", 3)
    with pytest.raises(
        AnalyticsError, match="A user may have at most 2 goals; 'ana' has 2. Delete one first."
    ):
        create_goal(filled, ANA, "ana", "reach_level", 4)
    with pytest.raises(NotFoundError, match="No goal has the id 'nope'"):
        delete_goal(filled, ANA, "nope")
    with pytest.raises(NotFoundError, match="No user has the user_id 'zed'"):
        create_goal(filled, ADMIN, "zed", "reach_level", 4)


def test_goals_are_part_of_the_members_data_download(filled):
    create_goal(filled, ANA, "ana", "days_per_week", 2)
    with zipfile.ZipFile(io.BytesIO(export_user_data(filled, ANA, "ana"))) as archive:
        assert {"goals.json", "goals.csv"} <= set(archive.namelist())
        assert b"days_per_week" in archive.read("goals.csv")
