"""Achievements: milestones derived from a user's daily activity, each with a documented rule and the day
it was earned. Nothing is stored: the same data always gives the same achievements (docs/guides/member.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.personal.activity import daily_rows, streak_runs
from analytics.viewer import Viewer
from config.permissions import Permission

FIRST_WEEK_DAYS = 7
SHARP_WEEK_DAYS = 7
SHARP_WEEK_ANSWERS = 10
SHARP_WEEK_ACCURACY = 0.8
ACHIEVEMENT_COLUMNS = ["achievement", "title", "rule", "earned", "earned_on", "progress", "progress_text"]


@dataclass(frozen=True)
class Outcome:
    """Whether and when a rule was met; progress (0..1) and text say how far along the user is."""

    earned_on: date | None
    progress: float
    text: str


Rule = Callable[[pd.DataFrame, date], Outcome]


@dataclass(frozen=True)
class Achievement:
    """One achievement: its key, title, rule in words and the function applying it to daily rows."""

    key: str
    title: str
    rule: str
    check: Rule


def _first_week(daily: pd.DataFrame, as_of: date) -> Outcome:
    if daily.empty:
        return Outcome(None, 0.0, "Practise on any day to start.")
    first = daily["day"].iloc[0]
    due = first + timedelta(days=FIRST_WEEK_DAYS)
    later = daily.loc[daily["day"] >= due, "day"]
    if len(later):
        return Outcome(later.iloc[0], 1.0, f"Started on {first:%d %b %Y}, back on {later.iloc[0]:%d %b %Y}.")
    waited = min((as_of - first).days / FIRST_WEEK_DAYS, 1.0)
    return Outcome(None, waited, f"Started on {first:%d %b %Y}: come back on any day from {due:%d %b %Y}.")


def _streak(days: int) -> Rule:
    def check(daily: pd.DataFrame, as_of: date) -> Outcome:
        runs = streak_runs(daily["day"])
        hit = next((run for run in runs if run.days >= days), None)
        if hit is not None:
            reached = hit.start + timedelta(days=days - 1)
            return Outcome(reached, 1.0, f"{days} days in a row, {hit.start:%d %b} to {reached:%d %b %Y}.")
        longest = max((run.days for run in runs), default=0)
        return Outcome(None, longest / days, f"Longest run so far: {longest} of {days} days.")

    return check


def _exercises(count: int) -> Rule:
    def check(daily: pd.DataFrame, as_of: date) -> Outcome:
        running = daily["exercise_count"].cumsum()
        done = int(running.iloc[-1]) if len(running) else 0
        reached = daily.loc[running >= count, "day"]
        if len(reached):
            return Outcome(reached.iloc[0], 1.0, f"{count:,} exercises done by {reached.iloc[0]:%d %b %Y}.")
        return Outcome(None, done / count, f"{done:,} of {count:,} exercises.")

    return check


def _sharp_week(daily: pd.DataFrame, as_of: date) -> Outcome:
    if daily.empty:
        return Outcome(
            None, 0.0, f"Answer at least {SHARP_WEEK_ANSWERS} exercises within {SHARP_WEEK_DAYS} days."
        )
    sums = (
        daily.set_index(pd.to_datetime(daily["day"]))[["accuracy_sum", "accuracy_count"]]
        .rolling(f"{SHARP_WEEK_DAYS}D")
        .sum()
    )
    sized = sums[sums["accuracy_count"] >= SHARP_WEEK_ANSWERS]
    accuracy = sized["accuracy_sum"] / sized["accuracy_count"]
    sharp = accuracy[accuracy >= SHARP_WEEK_ACCURACY - 1e-9]
    if len(sharp):
        day = sharp.index[0].date()
        answers = int(sized.loc[sharp.index[0], "accuracy_count"])
        return Outcome(
            day, 1.0, f"{sharp.iloc[0]:.0%} over {answers} answers in the 7 days to {day:%d %b %Y}."
        )
    if accuracy.empty:
        most = int(sums["accuracy_count"].max())
        return Outcome(
            None,
            0.0,
            f"Answer at least {SHARP_WEEK_ANSWERS} exercises within {SHARP_WEEK_DAYS} days (best so far: {most}).",
        )
    best = float(accuracy.max())
    return Outcome(None, best / SHARP_WEEK_ACCURACY, f"Best 7 days so far: {best:.0%} accuracy.")


def _level(level: int) -> Rule:
    def check(daily: pd.DataFrame, as_of: date) -> Outcome:
        levels = daily["max_level"].astype(float)
        reached = daily.loc[levels >= level, "day"]
        if len(reached):
            return Outcome(reached.iloc[0], 1.0, f"Level {level} reached on {reached.iloc[0]:%d %b %Y}.")
        highest = 0.0 if levels.isna().all() else float(np.nanmax(levels))
        return Outcome(None, highest / level, f"Highest level so far: {highest:.0f} of {level}.")

    return check


ACHIEVEMENTS = (
    Achievement(
        "first_week",
        "First week",
        f"Be active again on a day at least {FIRST_WEEK_DAYS} days after your first active day.",
        _first_week,
    ),
    Achievement("streak_7", "7-day streak", "Be active on 7 days in a row.", _streak(7)),
    Achievement("streak_30", "30-day streak", "Be active on 30 days in a row.", _streak(30)),
    Achievement("exercises_100", "100 exercises", "Do 100 exercises in all.", _exercises(100)),
    Achievement("exercises_1000", "1,000 exercises", "Do 1,000 exercises in all.", _exercises(1000)),
    Achievement(
        "sharp_week",
        "Sharp week",
        f"Answer with {SHARP_WEEK_ACCURACY:.0%} accuracy or better over {SHARP_WEEK_DAYS} consecutive days "
        f"holding at least {SHARP_WEEK_ANSWERS} answers.",
        _sharp_week,
    ),
    Achievement("level_5", "Level 5", "Reach skill level 5.", _level(5)),
)
"""Every achievement, in display order; the rules are documented in docs/guides/member.md."""


def achievements_of(daily: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """Apply every rule to a user's daily rows (activity.DAILY_COLUMNS, oldest first) up to `as_of`.

    Columns: ACHIEVEMENT_COLUMNS: earned_on is the first day the rule held (None if it has not);
    progress is how far along the user is (0..1; 1 once earned), progress_text says so in words.
    """
    daily = daily[daily["day"] <= as_of].reset_index(drop=True)
    rows = []
    for achievement in ACHIEVEMENTS:
        outcome = achievement.check(daily, as_of)
        rows.append(
            {
                "achievement": achievement.key,
                "title": achievement.title,
                "rule": achievement.rule,
                "earned": outcome.earned_on is not None,
                "earned_on": outcome.earned_on,
                "progress": min(max(outcome.progress, 0.0), 1.0),
                "progress_text": outcome.text,
            }
        )
    return pd.DataFrame(rows, columns=ACHIEVEMENT_COLUMNS)


def user_achievements(db: Database, viewer: Viewer, user_id: str, *, as_of: date) -> pd.DataFrame:
    """The user's achievements up to `as_of`, earned or not (see `achievements_of`)."""
    viewer.require_user(user_id, Permission.VIEW_USER_INSIGHTS)
    return achievements_of(daily_rows(db, user_id, until=as_of), as_of=as_of)
