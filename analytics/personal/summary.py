"""Everything "My insights" shows about one user that does not change between data loads, in one call.

Goals and recommendations are left out: the user changes them on the page, so the page reads them
directly (`goals.goal_progress`, `analytics.recommend.read_recommendations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from analytics.db import Database
from analytics.filters import Filters
from analytics.insights import Insight, personal_insights
from analytics.periods import today_in_zone
from analytics.personal.achievements import achievements_of
from analytics.personal.activity import (
    SESSION_WINDOW_DAYS,
    SessionStats,
    Streaks,
    WeekComparison,
    daily_rows,
    session_rows,
    session_stats_of,
    streaks_of,
    this_week_of,
    week_start,
    weekly_activity_of,
)
from analytics.personal.outlook import Outlook, personal_outlook
from analytics.personal.performance import performance_summary, weekly_performance_of
from analytics.users import UserProfile, latest_day, user_profile
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

PERIOD_DAYS = 28
"""Performance, peers and insights describe the last 28 days up to as_of."""
CHART_WEEKS = 12
MAX_INSIGHTS = 5
PANEL_PERMISSIONS = (
    Permission.VIEW_USER_INSIGHTS,
    Permission.VIEW_USER_ENGAGEMENT,
    Permission.VIEW_USER_BEHAVIOR,
    Permission.VIEW_USER_PERFORMANCE,
    Permission.VIEW_PREDICTIONS,
)
"""What the page's panels need; all are checked first, so a refusal comes before any audited read."""


@dataclass(frozen=True)
class PersonalPage:
    """One user's page data as of `as_of`; `own` is True when the viewer is that user.

    weekly, week, streaks, sessions: as `activity.weekly_activity`, `this_week`, `streaks`,
    `session_stats`; performance / performance_weekly: `performance.performance_summary` /
    `weekly_performance`; achievements: `achievements.user_achievements`.
    """

    profile: UserProfile
    own: bool
    as_of: date
    period: Filters
    weekly: pd.DataFrame
    week: WeekComparison
    streaks: Streaks
    sessions: SessionStats
    performance: pd.DataFrame
    performance_weekly: pd.DataFrame
    outlook: list[Outlook]
    insights: list[Insight]
    achievements: pd.DataFrame


def personal_page(
    db: Database, viewer: Viewer, user_id: str, *, as_of: date | None = None, source: str | None = None
) -> PersonalPage:
    """The data of `user_id`'s page as of `as_of` (default: the last day with data, else today).

    The user must exist and not have withdrawn consent; a look at someone else's page is audited once
    per call (as a view of their profile, by `users.user_profile`).
    """
    for permission in PANEL_PERMISSIONS:
        viewer.require_user(user_id, permission)
    as_of = as_of or latest_day(db) or today_in_zone(load_settings().reporting_timezone)
    profile = user_profile(db, viewer, user_id, as_of=as_of, source=source)
    period = Filters(start=as_of - timedelta(days=PERIOD_DAYS - 1), end=as_of)
    # One read of the user's days and sessions serves every panel built from them.
    daily = daily_rows(db, user_id, until=as_of)
    first_chart_day = week_start(as_of) - timedelta(weeks=CHART_WEEKS - 1)
    first_session_day = min(first_chart_day, as_of - timedelta(days=SESSION_WINDOW_DAYS - 1))
    sessions = session_rows(db, user_id, first_day=first_session_day, last_day=as_of)
    return PersonalPage(
        profile=profile,
        own=viewer.user_id == user_id,
        as_of=as_of,
        period=period,
        weekly=weekly_activity_of(daily, sessions, as_of=as_of, weeks=CHART_WEEKS),
        week=this_week_of(daily, as_of=as_of),
        streaks=streaks_of(daily["day"], as_of=as_of),
        sessions=session_stats_of(sessions, as_of=as_of),
        performance=performance_summary(db, viewer, user_id, period),
        performance_weekly=weekly_performance_of(daily, as_of=as_of, weeks=CHART_WEEKS),
        outlook=personal_outlook(db, viewer, user_id),
        insights=personal_insights(db, viewer, user_id, period, max_items=MAX_INSIGHTS),
        achievements=achievements_of(daily, as_of=as_of),
    )
