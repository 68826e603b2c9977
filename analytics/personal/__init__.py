"""A member's own page: their activity (`activity`), performance (`performance`), predictions in words
(`outlook`), goals (`goals`) and achievements (`achievements`), composed by `summary.personal_page`.

Every function takes the viewer and checks `viewer.require_user`, so members see only themselves and
people with VIEW_OTHER_USER_ANALYTICS may open anyone's page. Definitions: docs/metrics/personal.md.
"""

from analytics.personal.achievements import ACHIEVEMENTS, user_achievements
from analytics.personal.goals import (
    GOAL_KINDS,
    create_goal,
    delete_goal,
    goal_progress,
    list_goals,
    may_change_goals,
)
from analytics.personal.summary import PersonalPage, personal_page

__all__ = [
    "ACHIEVEMENTS",
    "GOAL_KINDS",
    "PersonalPage",
    "create_goal",
    "delete_goal",
    "goal_progress",
    "list_goals",
    "may_change_goals",
    "personal_page",
    "user_achievements",
]
