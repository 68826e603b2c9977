"""One user's activity over time: weeks of activity, this week against their usual week, streaks, sessions.

Days are reporting-zone days of the rollups and `as_of` is the user's "today" (the page passes the last
day with data), so the week holding it is still in progress. Streaks follow the definitions of
`analytics.behaviour.consistency` (a test checks that both agree). Definitions: docs/metrics/personal.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import utc_instant
from analytics.errors import AnalyticsError
from analytics.filters import literal_day
from analytics.schema import SESSIONS, USER_DAILY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

USUAL_WEEKS = 8
"""How many weeks before this one make up "your usual week"."""
SESSION_WINDOW_DAYS = 28
MAX_WEEKS = 104
DAILY_COLUMNS = (
    "day",
    "event_count",
    "exercise_count",
    "active_seconds",
    "accuracy_sum",
    "accuracy_count",
    "completed_count",
    "completable_count",
    "exercise_seconds",
    "max_level",
)
WEEKLY_COLUMNS = [
    "week_start",
    "active_days",
    "events",
    "sessions",
    "exercises",
    "active_minutes",
    "complete",
]


@dataclass(frozen=True)
class Run:
    """Consecutive active days, `start` to `end` inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Streaks:
    """current_days: the run ending on as_of or the day before (0 if none); longest: the longest run (the
    latest of equally long ones) up to as_of."""

    current_days: int
    longest_days: int
    longest_start: date | None
    longest_end: date | None
    last_active_day: date | None


@dataclass(frozen=True)
class WeekComparison:
    """This Monday week up to as_of against the user's usual week.

    usual_* are medians over `history_weeks` (up to USUAL_WEEKS weeks before this one, from the week of
    the user's first active day): usual_active_days and usual_events count only the first `days_so_far`
    days of each of those weeks, so a week in progress is compared like for like; usual_week_active_days
    counts whole weeks. None without history.
    """

    week_start: date
    days_so_far: int
    active_days: int
    events: int
    usual_active_days: float | None
    usual_events: float | None
    usual_week_active_days: float | None
    history_weeks: int


@dataclass(frozen=True)
class SessionStats:
    """Sessions that started on the days first_day..last_day: how many, how long, how often."""

    first_day: date
    last_day: date
    sessions: int
    median_duration_s: float | None
    total_duration_s: float
    sessions_per_week: float


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def check_count(function: str, option: str, value: object, high: int) -> None:
    """Raise AnalyticsError unless `value` is an int in [1, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise AnalyticsError(
            f"The '{option}' option of {function} must be an int in [1, {high}]. Got {value!r}."
        )


def daily_rows(db: Database, user_id: str, *, until: date) -> pd.DataFrame:
    """The user's `user_daily` rows (DAILY_COLUMNS) up to `until`, oldest first; callers check the viewer."""
    daily = analysable(USER_DAILY)
    mine = daily.filter((daily.user_id == user_id) & (daily.day <= literal_day(until)))
    rows = db.run(mine.select(*DAILY_COLUMNS).order_by("day"))
    rows["day"] = [pd.Timestamp(day).date() for day in rows["day"]]
    return rows.reset_index(drop=True)


def session_rows(db: Database, user_id: str, *, first_day: date, last_day: date) -> pd.DataFrame:
    """The user's sessions that started on first_day..last_day: day (reporting zone), duration_s."""
    zone = load_settings().reporting_timezone
    sessions = analysable(SESSIONS)
    mine = sessions.filter(
        (sessions.user_id == user_id)
        & (sessions.started_at >= utc_instant(first_day, zone))
        & (sessions.started_at < utc_instant(last_day + timedelta(days=1), zone))
    )
    rows = db.run(mine.select("started_at", "duration_s"))
    started = pd.to_datetime(rows["started_at"]).astype("datetime64[us]")
    local = started.dt.tz_localize("UTC").dt.tz_convert(zone)
    return pd.DataFrame(
        {"day": [stamp.date() for stamp in local], "duration_s": rows["duration_s"].astype(float)}
    )


def weekly_activity_of(
    daily: pd.DataFrame, sessions: pd.DataFrame, *, as_of: date, weeks: int = 12
) -> pd.DataFrame:
    """`weekly_activity` from the user's daily rows (`daily_rows`) and sessions (`session_rows`)."""
    last = week_start(as_of)
    first = last - timedelta(weeks=weeks - 1)
    daily = daily[(daily["day"] >= first) & (daily["day"] <= as_of)]
    sessions = sessions[(sessions["day"] >= first) & (sessions["day"] <= as_of)]
    frame = pd.DataFrame({"week_start": [first + timedelta(weeks=n) for n in range(weeks)]})
    per_week = daily.groupby(daily["day"].map(week_start)).agg(
        active_days=("day", "size"),
        events=("event_count", "sum"),
        exercises=("exercise_count", "sum"),
        active_seconds=("active_seconds", "sum"),
    )
    started = sessions.groupby(sessions["day"].map(week_start)).size()
    frame["active_days"] = frame["week_start"].map(per_week["active_days"])
    frame["events"] = frame["week_start"].map(per_week["events"])
    frame["sessions"] = frame["week_start"].map(started)
    frame["exercises"] = frame["week_start"].map(per_week["exercises"])
    for column in ("active_days", "events", "sessions", "exercises"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["active_minutes"] = (
        frame["week_start"].map(per_week["active_seconds"]).fillna(0.0).astype(float) / 60
    )
    frame["complete"] = frame["week_start"] != last
    return frame[WEEKLY_COLUMNS]


def weekly_activity(
    db: Database, viewer: Viewer, user_id: str, *, as_of: date, weeks: int = 12
) -> pd.DataFrame:
    """The user's last `weeks` Monday weeks, ending with the one holding `as_of`, oldest first.

    Columns: WEEKLY_COLUMNS: active_days (days with an event), events, sessions (started that week),
    exercises, active_minutes (Σ event duration_s ÷ 60), complete (False for the week holding as_of).
    """
    viewer.require_user(user_id, Permission.VIEW_USER_ENGAGEMENT)
    check_count("weekly_activity", "weeks", weeks, MAX_WEEKS)
    first = week_start(as_of) - timedelta(weeks=weeks - 1)
    sessions = session_rows(db, user_id, first_day=first, last_day=as_of)
    return weekly_activity_of(daily_rows(db, user_id, until=as_of), sessions, as_of=as_of, weeks=weeks)


def this_week_of(daily: pd.DataFrame, *, as_of: date, usual_weeks: int = USUAL_WEEKS) -> WeekComparison:
    """`this_week` from the user's daily rows (`daily_rows`)."""
    daily = daily[daily["day"] <= as_of]
    start = week_start(as_of)
    so_far = (as_of - start).days + 1
    first_active = daily["day"].min() if len(daily) else None

    def totals(monday: date, days: int) -> tuple[int, int]:
        rows = daily[(daily["day"] >= monday) & (daily["day"] < monday + timedelta(days=days))]
        return len(rows), int(rows["event_count"].sum())

    history = [start - timedelta(weeks=n) for n in range(1, usual_weeks + 1)]
    history = [monday for monday in history if first_active and monday >= week_start(first_active)]
    active_days, events = totals(start, so_far)
    partial = np.array([totals(monday, so_far) for monday in history], dtype=float).reshape(-1, 2)
    whole = np.array([totals(monday, 7)[0] for monday in history], dtype=float)

    def median(values: np.ndarray) -> float | None:
        return float(np.median(values)) if len(values) else None

    return WeekComparison(
        week_start=start,
        days_so_far=so_far,
        active_days=active_days,
        events=events,
        usual_active_days=median(partial[:, 0]),
        usual_events=median(partial[:, 1]),
        usual_week_active_days=median(whole),
        history_weeks=len(history),
    )


def this_week(
    db: Database, viewer: Viewer, user_id: str, *, as_of: date, usual_weeks: int = USUAL_WEEKS
) -> WeekComparison:
    """The week holding `as_of` so far against the user's usual week (see WeekComparison)."""
    viewer.require_user(user_id, Permission.VIEW_USER_ENGAGEMENT)
    check_count("this_week", "usual_weeks", usual_weeks, MAX_WEEKS)
    return this_week_of(daily_rows(db, user_id, until=as_of), as_of=as_of, usual_weeks=usual_weeks)


def streak_runs(days: Iterable[date]) -> list[Run]:
    """The runs of consecutive days in `days` (any order, repeats allowed), oldest first."""
    runs: list[Run] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1].end + timedelta(days=1):
            runs[-1] = Run(runs[-1].start, day)
        else:
            runs.append(Run(day, day))
    return runs


def streaks_of(days: Iterable[date], *, as_of: date) -> Streaks:
    """Current and longest streak of the active `days` up to `as_of` (see Streaks)."""
    runs = streak_runs(day for day in days if day <= as_of)
    if not runs:
        return Streaks(0, 0, None, None, None)
    longest = max(runs, key=lambda run: (run.days, run.end))
    ongoing = runs[-1].end >= as_of - timedelta(days=1)
    return Streaks(
        current_days=runs[-1].days if ongoing else 0,
        longest_days=longest.days,
        longest_start=longest.start,
        longest_end=longest.end,
        last_active_day=runs[-1].end,
    )


def streaks(db: Database, viewer: Viewer, user_id: str, *, as_of: date) -> Streaks:
    """The user's current and longest streak of consecutive active days up to `as_of`."""
    viewer.require_user(user_id, Permission.VIEW_USER_ENGAGEMENT)
    return streaks_of(daily_rows(db, user_id, until=as_of)["day"], as_of=as_of)


def session_stats_of(sessions: pd.DataFrame, *, as_of: date, days: int = SESSION_WINDOW_DAYS) -> SessionStats:
    """`session_stats` from the user's sessions (`session_rows`)."""
    first = as_of - timedelta(days=days - 1)
    durations = sessions.loc[(sessions["day"] >= first) & (sessions["day"] <= as_of), "duration_s"]
    return SessionStats(
        first_day=first,
        last_day=as_of,
        sessions=len(durations),
        median_duration_s=float(durations.median()) if len(durations) else None,
        total_duration_s=float(durations.sum()),
        sessions_per_week=len(durations) * 7 / days,
    )


def session_stats(
    db: Database, viewer: Viewer, user_id: str, *, as_of: date, days: int = SESSION_WINDOW_DAYS
) -> SessionStats:
    """The user's sessions that started in the `days` days ending on `as_of` (see SessionStats)."""
    viewer.require_user(user_id, Permission.VIEW_USER_BEHAVIOR)
    check_count("session_stats", "days", days, 7 * MAX_WEEKS)
    sessions = session_rows(db, user_id, first_day=as_of - timedelta(days=days - 1), last_day=as_of)
    return session_stats_of(sessions, as_of=as_of, days=days)
