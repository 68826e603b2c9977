"""Point-in-time per-user features and outcomes, for every user at once, from the daily rollup.

"As of day D" means the models see only events before the end of D (reporting zone): rollup rows with
`day <= D`, and raw upgrade events before local midnight that starts D + 1. Outcomes are what happened on
days D + 1 .. D + N; they label past windows for training and are never features.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.json_fields import json_text
from analytics.periods import local_midnight_utc
from analytics.schema import EVENTS, USER_DAILY, USERS, analysable
from config.settings import load_settings

ACTIVE_WINDOW_DAYS = 90
"""Users with an active day among the 90 days up to the as-of day form a window's training population."""
WEEKS_OF_TREND = 8
MIN_HISTORY_DAYS = 28
"""Days of history a training window needs before its as-of day to describe its users."""
TRAIN_WINDOWS = 4
WINDOW_STEP_DAYS = 28
"""Training windows step back this many days from the latest, at most TRAIN_WINDOWS of them."""
NUMERIC_FEATURES = (
    "recency_days",
    "tenure_days",
    "active_days_7",
    "active_days_28",
    "active_days_30",
    "active_days_90",
    "active_share_90",
    "lifetime_active_share",
    "missed_days",
    "weekly_trend",
    "recent_change_per_week",
    "events_per_active_day_28",
    "events_per_session_28",
    "events_per_session_90",
    "events_per_session_all",
    "session_depth_change",
    "session_minutes_28",
    "features_used_28",
    "accuracy_30",
    "accuracy_change_30",
    "accuracy_90",
    "speed_s_30",
    "speed_s_90",
    "exercises_30",
    "exercises_total",
    "level",
)
CATEGORICAL_FEATURES = ("plan", "platform")


def user_features(db: Database, *, as_of: date) -> pd.DataFrame:
    """One row per consenting user with an event on or before `as_of`, features as of its end.

    Columns: user_id, NUMERIC_FEATURES, CATEGORICAL_FEATURES, active_days_prev_21 (active days in the
    21 days before the last 7); each is defined in docs/models.md. Windows of N days end on `as_of`
    (days as_of - N + 1 .. as_of); recency_days counts days since the last active day (0: active on
    `as_of`); weekly_trend is the least-squares slope of active days per week over the last 8 weeks;
    ratios (accuracy, speed_s = seconds per exercise, per-session figures) are NaN without a denominator.
    Per-session figures come from user_daily, not `sessions`, whose rows may straddle the cut.
    """
    columns = ("user_id", "day", "event_count", "session_count", "active_seconds", "accuracy_sum")
    columns += ("accuracy_count", "exercise_seconds", "exercise_count", "max_level")
    daily = analysable(USER_DAILY.select(*columns))
    daily = daily.filter(daily.day <= as_of)
    daily = daily.mutate(age=ibis.literal(as_of).delta(daily.day, unit="day"))

    def within(days: int, *, skip: int = 0) -> ibis.ir.BooleanValue:
        return (daily.day > as_of - timedelta(days=days)) & (daily.day <= as_of - timedelta(days=skip))

    week = WEEKS_OF_TREND - 1 - daily.age // 7  # 0 = oldest week of the trend, 7 = the last 7 days
    middle = (WEEKS_OF_TREND - 1) / 2
    # Sums leave DuckDB as floats: its 128-bit integer sums would reach pandas as slow Decimal objects.
    totals = daily.group_by("user_id").aggregate(
        last_day=daily.day.max(),
        first_day=daily.day.min(),
        active_days_7=daily.day.count(where=within(7)),
        active_days_28=daily.day.count(where=within(28)),
        active_days_30=daily.day.count(where=within(30)),
        active_days_90=daily.day.count(where=within(90)),
        active_days_total=daily.day.count(),
        events_total=daily.event_count.sum().cast("float64"),
        sessions_total=daily.session_count.sum().cast("float64"),
        trend_sum=(week - middle).sum(where=within(7 * WEEKS_OF_TREND)),
        events_28=daily.event_count.sum(where=within(28)).cast("float64"),
        sessions_28=daily.session_count.sum(where=within(28)).cast("float64"),
        events_90=daily.event_count.sum(where=within(90)).cast("float64"),
        sessions_90=daily.session_count.sum(where=within(90)).cast("float64"),
        seconds_28=daily.active_seconds.sum(where=within(28)).cast("float64"),
        accuracy_sum_30=daily.accuracy_sum.sum(where=within(30)).cast("float64"),
        accuracy_count_30=daily.accuracy_count.sum(where=within(30)).cast("float64"),
        accuracy_sum_prev_30=daily.accuracy_sum.sum(where=within(60, skip=30)).cast("float64"),
        accuracy_count_prev_30=daily.accuracy_count.sum(where=within(60, skip=30)).cast("float64"),
        accuracy_sum_90=daily.accuracy_sum.sum(where=within(90)).cast("float64"),
        accuracy_count_90=daily.accuracy_count.sum(where=within(90)).cast("float64"),
        exercise_seconds_30=daily.exercise_seconds.sum(where=within(30)).cast("float64"),
        exercises_30=daily.exercise_count.sum(where=within(30)).cast("float64"),
        exercise_seconds_90=daily.exercise_seconds.sum(where=within(90)).cast("float64"),
        exercises_90=daily.exercise_count.sum(where=within(90)).cast("float64"),
        exercises_total=daily.exercise_count.sum().cast("float64"),
        level=daily.max_level.max(),
    )
    recent = analysable(USER_DAILY.select("user_id", "day", "features"))
    recent = recent.filter((recent.day <= as_of) & (recent.day > as_of - timedelta(days=28)))
    used = recent.select("user_id", feature=recent.features.unnest())
    breadth = db.run(used.group_by("user_id").aggregate(features_used_28=used.feature.nunique()))
    frame = db.run(totals).merge(breadth, on="user_id", how="left")
    frame = frame.merge(_plans_as_of(db, as_of), on="user_id", how="left")
    return _derived(frame, as_of).sort_values("user_id", ignore_index=True)


def _plans_as_of(db: Database, as_of: date) -> pd.DataFrame:
    """Plan and platform on `as_of`: the last upgrade before the cut, else the plan before the first one.

    `users.plan` is the plan now; a user who upgraded after the cut was on the upgrade's from_plan then.
    """
    cut = local_midnight_utc(as_of + timedelta(days=1), load_settings().reporting_timezone)
    events = analysable(EVENTS)
    upgrades = events.filter(events.activity_type == "upgrade").select(
        "user_id",
        "timestamp",
        from_plan=json_text(events.properties, "from_plan"),
        to_plan=json_text(events.properties, "to_plan"),
    )
    changes = upgrades.group_by("user_id").aggregate(
        first_from=upgrades.from_plan.argmin(upgrades.timestamp),
        last_to=upgrades.to_plan.argmax(upgrades.timestamp, where=upgrades.timestamp < cut),
    )
    users = analysable(USERS)
    joined = users.left_join(changes, "user_id")
    plans = joined.select(
        joined.user_id,
        plan=ibis.coalesce(joined.last_to, joined.first_from, joined.plan, ibis.literal("(none)")),
        platform=ibis.coalesce(joined.platform, ibis.literal("(none)")),
    )
    return db.run(plans)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    numerator, denominator = numerator.astype("float64"), denominator.astype("float64")
    return numerator / denominator.where(denominator > 0)


def _derived(raw: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Turn the per-user sums into the documented feature columns."""
    day = pd.Timestamp(as_of)
    frame = pd.DataFrame({"user_id": raw["user_id"]})
    frame["recency_days"] = (day - pd.to_datetime(raw["last_day"])).dt.days.astype("float64")
    frame["tenure_days"] = (day - pd.to_datetime(raw["first_day"])).dt.days.astype("float64")
    for days in (7, 28, 30, 90):
        frame[f"active_days_{days}"] = raw[f"active_days_{days}"].astype("float64")
    observed_90 = np.minimum(frame["tenure_days"] + 1, 90)
    frame["active_share_90"] = frame["active_days_90"] / observed_90
    frame["lifetime_active_share"] = raw["active_days_total"].astype("float64") / (frame["tenure_days"] + 1)
    frame["missed_days"] = frame["recency_days"] * frame["active_share_90"]
    spread = sum((k - (WEEKS_OF_TREND - 1) / 2) ** 2 for k in range(WEEKS_OF_TREND))
    frame["weekly_trend"] = raw["trend_sum"].fillna(0).astype("float64") / spread
    frame["active_days_prev_21"] = frame["active_days_28"] - frame["active_days_7"]
    frame["recent_change_per_week"] = frame["active_days_7"] - frame["active_days_prev_21"] / 3
    frame["events_per_active_day_28"] = _ratio(raw["events_28"], raw["active_days_28"])
    frame["events_per_session_28"] = _ratio(raw["events_28"], raw["sessions_28"])
    frame["events_per_session_90"] = _ratio(raw["events_90"], raw["sessions_90"])
    frame["events_per_session_all"] = _ratio(raw["events_total"], raw["sessions_total"])
    frame["session_depth_change"] = frame["events_per_session_28"] / frame["events_per_session_90"]
    frame["session_minutes_28"] = _ratio(raw["seconds_28"], raw["sessions_28"]) / 60
    frame["features_used_28"] = raw["features_used_28"].fillna(0).astype("float64")
    frame["accuracy_30"] = _ratio(raw["accuracy_sum_30"], raw["accuracy_count_30"])
    previous = _ratio(raw["accuracy_sum_prev_30"], raw["accuracy_count_prev_30"])
    frame["accuracy_change_30"] = frame["accuracy_30"] - previous
    frame["accuracy_90"] = _ratio(raw["accuracy_sum_90"], raw["accuracy_count_90"])
    frame["speed_s_30"] = _ratio(raw["exercise_seconds_30"], raw["exercises_30"])
    frame["speed_s_90"] = _ratio(raw["exercise_seconds_90"], raw["exercises_90"])
    frame["exercises_30"] = raw["exercises_30"].fillna(0).astype("float64")
    frame["exercises_total"] = raw["exercises_total"].fillna(0).astype("float64")
    frame["level"] = raw["level"].astype("float64")
    for column in CATEGORICAL_FEATURES:
        frame[column] = raw[column].fillna("(none)").astype(str)
    return frame


def user_outcomes(db: Database, *, as_of: date, days: int) -> pd.DataFrame:
    """What each consenting user did on days as_of + 1 .. as_of + days (labels for past windows).

    Columns: user_id, active_days_next, accuracy_next, speed_s_next (NaN without answers/exercises);
    only users with activity in that span appear.
    """
    daily = analysable(USER_DAILY)
    ahead = daily.filter((daily.day > as_of) & (daily.day <= as_of + timedelta(days=days)))
    sums = ahead.group_by("user_id").aggregate(
        active_days_next=ahead.day.count(),
        accuracy_sum=ahead.accuracy_sum.sum(),
        accuracy_count=ahead.accuracy_count.sum(),
        exercise_seconds=ahead.exercise_seconds.sum(),
        exercises=ahead.exercise_count.sum(),
    )
    raw = db.run(sums)
    return pd.DataFrame(
        {
            "user_id": raw["user_id"],
            "active_days_next": raw["active_days_next"].astype("float64"),
            "accuracy_next": _ratio(raw["accuracy_sum"], raw["accuracy_count"]),
            "speed_s_next": _ratio(raw["exercise_seconds"], raw["exercises"]),
        }
    )


@dataclass(frozen=True)
class Windows:
    """Labelled past windows and the frame to score, shared by the churn, engagement and performance models.

    `train` and `validation` hold the features of every user with an event on or before each window's
    as-of day, its outcomes over the next `horizon_days` (all observed by the validation day for
    `train`, by `as_of` for `validation`), and a `window` column (the window's as-of day); models learn
    from the `recently_active` ones. `score` holds every user with an event on or before `as_of`.
    """

    as_of: date
    horizon_days: int
    train_days: tuple[date, ...]
    validation_day: date
    train: pd.DataFrame
    validation: pd.DataFrame
    score: pd.DataFrame

    @property
    def labelled(self) -> pd.DataFrame:
        """Training and validation windows together: what the final models are refitted on."""
        return pd.concat([self.train, self.validation], ignore_index=True)


def window_days(
    as_of: date, *, horizon_days: int, first_day: date, windows: int, step_days: int, min_history_days: int
) -> tuple[tuple[date, ...], date]:
    """(training as-of days, oldest first; validation as-of day) for a model scored on `as_of`.

    Validation is `horizon_days` before `as_of`; the latest training window's outcomes end on the
    validation day, and earlier ones step back `step_days` each while `min_history_days` remain before.
    """
    validation = as_of - timedelta(days=horizon_days)
    latest = validation - timedelta(days=horizon_days)
    found = [latest - timedelta(days=step_days * k) for k in range(windows)]
    train = tuple(sorted(day for day in found if (day - first_day).days >= min_history_days))
    if not train:
        needed = 2 * horizon_days + min_history_days
        raise AnalyticsError(
            f"The models need at least {needed} days of history before the as-of day "
            f"({min_history_days} to describe users, then {horizon_days} to train and {horizon_days} to "
            f"validate). Got data from {first_day} to as_of={as_of}; pick a later --as-of or a shorter horizon."
        )
    return train, validation


def load_windows(
    db: Database,
    *,
    as_of: date,
    horizon_days: int,
    first_day: date,
    windows: int = TRAIN_WINDOWS,
    step_days: int = WINDOW_STEP_DAYS,
    min_history_days: int = MIN_HISTORY_DAYS,
    score: pd.DataFrame | None = None,
) -> Windows:
    """Features and outcomes for each training window, the validation window and the scoring day.

    `score`: the scoring day's features when already loaded (`user_features` as of `as_of`).
    """
    train_days, validation_day = window_days(
        as_of,
        horizon_days=horizon_days,
        first_day=first_day,
        windows=windows,
        step_days=step_days,
        min_history_days=min_history_days,
    )
    labelled = [_labelled(db, day, horizon_days) for day in (*train_days, validation_day)]
    return Windows(
        as_of=as_of,
        horizon_days=horizon_days,
        train_days=train_days,
        validation_day=validation_day,
        train=pd.concat(labelled[:-1], ignore_index=True),
        validation=labelled[-1],
        score=user_features(db, as_of=as_of) if score is None else score,
    )


def _labelled(db: Database, day: date, horizon_days: int) -> pd.DataFrame:
    features = user_features(db, as_of=day)
    outcomes = user_outcomes(db, as_of=day, days=horizon_days)
    frame = features.merge(outcomes, on="user_id", how="left")
    frame["active_days_next"] = frame["active_days_next"].fillna(0.0)
    frame.insert(1, "window", pd.Timestamp(day))
    return frame.reset_index(drop=True)


def recently_active(frame: pd.DataFrame) -> pd.Series:
    """True for users with an active day in the ACTIVE_WINDOW_DAYS up to the as-of day (the population)."""
    return frame["recency_days"] < ACTIVE_WINDOW_DAYS


def data_span(db: Database) -> tuple[date, date]:
    """First and last day with activity of consenting users; AnalyticsError for an empty database."""
    daily = analysable(USER_DAILY.select("user_id", "day"))
    found = db.run(daily.aggregate(first=daily.day.min(), last=daily.day.max()))
    first, last = found.iloc[0]["first"], found.iloc[0]["last"]
    if pd.isna(first):
        raise AnalyticsError(
            f"The database {db.path} has no activity yet; import events with `python -m analytics import` first."
        )
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()
