"""Goals a member sets for themself ("practise 4 days a week", "100 exercises this month", "reach level 5")
and their progress, computed from the rollups whenever it is shown.

Anyone who may see the user may read their goals; only the member themself or an administrator
(MANAGE_ACCOUNTS) may create or delete them, and an administrator's change is audited. Progress rules:
docs/guides/member.md and docs/metrics/personal.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from analytics import audit
from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError, PermissionDenied
from analytics.personal.activity import daily_rows, week_start
from analytics.viewer import Viewer
from config.permissions import Permission

MAX_GOALS = 20
"""Goals one user may have at a time."""
GOAL_COLUMNS = ["goal_id", "kind", "target", "title", "created_by", "created_at"]
PROGRESS_COLUMNS = [
    "goal_id",
    "kind",
    "target",
    "title",
    "period_start",
    "period_end",
    "value",
    "share",
    "met",
    "met_on",
    "text",
]


@dataclass(frozen=True)
class GoalKind:
    """A kind of goal: its title template, the unit of progress and the allowed targets."""

    title: str
    unit: str
    low: int
    high: int


GOAL_KINDS = {
    "days_per_week": GoalKind("Practise {target} days a week", "active days this week", 1, 7),
    "exercises_per_month": GoalKind("{target} exercises this month", "exercises this month", 1, 100_000),
    "reach_level": GoalKind("Reach level {target}", "highest skill level reached", 1, 1_000),
}
"""The kinds of goal, in the order the page offers them."""


def goal_title(kind: str, target: int) -> str:
    """The goal in words, such as "Practise 4 days a week"."""
    return GOAL_KINDS[kind].title.format(target=target)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def may_change_goals(viewer: Viewer, user_id: str) -> bool:
    """True for the member themself and for administrators: the people who may change `user_id`'s goals."""
    return viewer.user_id == user_id or viewer.can(Permission.MANAGE_ACCOUNTS)


def _require_change(viewer: Viewer, user_id: str) -> None:
    viewer.require_user(user_id, Permission.VIEW_USER_INSIGHTS)
    if not may_change_goals(viewer, user_id):
        raise PermissionDenied(
            f"Account {viewer.account!r} ({viewer.role}) may look at the goals of user {user_id!r} but not "
            f"change them: only the member themself or an administrator may."
        )


def _check_goal(kind: str, target: object) -> None:
    if kind not in GOAL_KINDS:
        raise AnalyticsError(f"The goal kind must be one of {', '.join(GOAL_KINDS)}. Got {kind!r}.")
    spec = GOAL_KINDS[kind]
    if isinstance(target, bool) or not isinstance(target, int) or not spec.low <= target <= spec.high:
        raise AnalyticsError(
            f"The target of a {kind} goal ({spec.unit}) must be an int in [{spec.low:,}, {spec.high:,}]. "
            f"Got {target!r}."
        )


def create_goal(
    db: Database, viewer: Viewer, user_id: str, kind: str, target: int, *, source: str | None = None
) -> str:
    """Store a new goal for `user_id` and return its goal_id; the same kind and target twice is refused."""
    _require_change(viewer, user_id)
    _check_goal(kind, target)
    if db.scalar("SELECT count(*) FROM users WHERE user_id = ?", [user_id]) == 0:
        raise NotFoundError(f"No user has the user_id {user_id!r}.")
    goal_id = uuid.uuid4().hex
    with db.transaction(data_changed=False) as cursor:
        existing = cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE kind = ? AND target = ?) FROM goals WHERE user_id = ?",
            [kind, target, user_id],
        ).fetchall()[0]
        if existing[1]:
            raise AnalyticsError(f"User {user_id!r} already has the goal {goal_title(kind, target)!r}.")
        if existing[0] >= MAX_GOALS:
            raise AnalyticsError(
                f"A user may have at most {MAX_GOALS} goals; {user_id!r} has {existing[0]}. Delete one first."
            )
        cursor.execute(
            "INSERT INTO goals (goal_id, user_id, kind, target, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [goal_id, user_id, kind, target, viewer.account, _now()],
        )
        if viewer.user_id != user_id:
            audit.record(
                cursor,
                viewer.account,
                "goal_create",
                target=user_id,
                detail={"goal_id": goal_id, "kind": kind, "target": target},
                source=source,
            )
    return goal_id


def delete_goal(db: Database, viewer: Viewer, goal_id: str, *, source: str | None = None) -> None:
    """Delete one goal (its user, or an administrator)."""
    owner = db.scalar("SELECT user_id FROM goals WHERE goal_id = ?", [goal_id])
    if owner is None:
        raise NotFoundError(f"No goal has the id {goal_id!r}.")
    _require_change(viewer, owner)
    with db.transaction(data_changed=False) as cursor:
        cursor.execute("DELETE FROM goals WHERE goal_id = ?", [goal_id])
        if viewer.user_id != owner:
            audit.record(
                cursor,
                viewer.account,
                "goal_delete",
                target=owner,
                detail={"goal_id": goal_id},
                source=source,
            )


def list_goals(db: Database, viewer: Viewer, user_id: str) -> pd.DataFrame:
    """The user's goals, oldest first. Columns: GOAL_COLUMNS (created_at in UTC)."""
    viewer.require_user(user_id, Permission.VIEW_USER_INSIGHTS)
    goals = db.query(
        "SELECT goal_id, kind, target, created_by, created_at FROM goals WHERE user_id = ? "
        "ORDER BY created_at, goal_id",
        [user_id],
    )
    goals["target"] = goals["target"].astype("int64")
    goals["title"] = [
        goal_title(kind, target) for kind, target in zip(goals["kind"], goals["target"], strict=True)
    ]
    return goals[GOAL_COLUMNS]


def _month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _first_day_reaching(days: pd.Series, running: pd.Series, target: float) -> date | None:
    reached = days[running >= target]
    return None if reached.empty else reached.iloc[0]


def progress_of(kind: str, target: int, daily: pd.DataFrame, *, as_of: date) -> dict[str, object]:
    """One goal's progress on `as_of` from the user's daily rows (activity.DAILY_COLUMNS, oldest first).

    Returns period_start, period_end, value, share (value ÷ target, at most 1), met, met_on (the day the
    target was reached in the period) and text, as in PROGRESS_COLUMNS.
    """
    daily = daily[daily["day"] <= as_of]
    if kind == "days_per_week":
        start, end = week_start(as_of), week_start(as_of) + timedelta(days=6)
        period = daily[daily["day"] >= start]
        running = pd.Series(range(1, len(period) + 1), index=period.index, dtype=float)
        value = float(len(period))
        text = f"{value:.0f} of {target} days this week"
    elif kind == "exercises_per_month":
        start, end = _month_bounds(as_of)
        period = daily[daily["day"] >= start]
        running = period["exercise_count"].cumsum().astype(float)
        value = float(period["exercise_count"].sum())
        text = f"{value:,.0f} of {target:,} exercises in {as_of:%B}"
    else:
        start, end = None, None
        period = daily[daily["max_level"].notna()]
        running = period["max_level"].astype(float).cummax()
        value = float(running.iloc[-1]) if len(running) else 0.0
        text = f"highest level so far: {value:.0f}" if value else "no level reached yet"
    met_on = _first_day_reaching(period["day"], running, target)
    return {
        "period_start": start,
        "period_end": end,
        "value": value,
        "share": min(value / target, 1.0),
        "met": met_on is not None,
        "met_on": met_on,
        "text": text,
    }


def goal_progress(db: Database, viewer: Viewer, user_id: str, *, as_of: date) -> pd.DataFrame:
    """Each of the user's goals with its progress on `as_of`, oldest goal first. Columns: PROGRESS_COLUMNS.

    days_per_week counts active days of the Monday week holding as_of, exercises_per_month the exercises
    of its calendar month, reach_level the highest skill level reached ever (up to as_of).
    """
    goals = list_goals(db, viewer, user_id)
    daily = daily_rows(db, user_id, until=as_of) if len(goals) else pd.DataFrame()
    rows = [
        {
            **goal,
            **progress_of(goal["kind"], int(goal["target"]), daily, as_of=as_of),
        }
        for goal in goals[["goal_id", "kind", "target", "title"]].to_dict("records")
    ]
    return pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
