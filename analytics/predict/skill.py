"""Skill development: the day each practising user is expected to reach their next skill level.

A user's level is the highest `level` seen in their events so far (as on the Performance page). From
everyone's level history up to the as-of day, the model learns the median exercises spent at each level
before the next one; a user's own pace is their exercises per completed level against those medians
(shrunk towards 1 by one level's worth); their recent rate is exercises per day over the last 28 days
(90 if none). Expected days = (exercises the next level takes at their pace - exercises done at this
level) / rate. The interval multiplies that by the 10th and 90th percentiles of actual / predicted days
on a validation day VALIDATION_DAYS earlier (per tercile of predicted days), estimated by Kaplan-Meier
because users who had not levelled up by the as-of day are censored; where fewer than 90% levelled up
within the span, the upper end stays open. Baseline: the population's median days spent at the user's
level, counted from now. Both are judged by mean absolute error in days, capping predicted and actual
days at the validation span (whose outcomes beyond it are unknown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.predict.estimators import user_part
from analytics.predict.quality import INTERVAL_COVERAGE, mean_absolute_error
from analytics.predict.store import PredictionSet
from analytics.schema import USER_DAILY, analysable

PREDICTION_TYPE = "skill"
MODEL_VERSION = "skill-1"
VALIDATION_DAYS = 90
MIN_TRANSITIONS = 5  # level-ups of a level needed for its own median (else the nearest level's)
MIN_REMAINING_SHARE = 0.1  # users past their expected exercises still need this share of a level
MAX_DAYS = 3650


def _level_history(db: Database, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reaches: user_id, level, reached_day, exercises_done; status: user_id, exercises_total, _28, _90).

    A reach is the first day a user's running highest level took a value, with their cumulative
    exercises by the end of that day.
    """
    daily = analysable(USER_DAILY.select("user_id", "day", "exercise_count", "max_level"))
    daily = daily.filter(daily.day <= as_of)
    window = ibis.cumulative_window(group_by=daily.user_id, order_by=daily.day)
    steps = daily.mutate(
        running=daily.max_level.max().over(window), done=daily.exercise_count.sum().over(window)
    )
    steps = steps.filter(steps.running.notnull())
    reaches = steps.group_by("user_id", level="running").aggregate(
        reached_day=steps.day.min(), exercises_done=steps.done.min()
    )
    status = daily.group_by("user_id").aggregate(
        exercises_total=daily.exercise_count.sum().cast("float64"),
        exercises_28=daily.exercise_count.sum(where=daily.day > as_of - timedelta(days=28)).cast("float64"),
        exercises_90=daily.exercise_count.sum(where=daily.day > as_of - timedelta(days=90)).cast("float64"),
    )
    found = db.run(reaches).sort_values(["user_id", "level"], ignore_index=True)
    found["reached_day"] = pd.to_datetime(found["reached_day"])
    found["exercises_done"] = found["exercises_done"].astype("float64")
    totals = db.run(status)
    for column in ("exercises_total", "exercises_28", "exercises_90"):
        totals[column] = totals[column].fillna(0).astype("float64")
    return found, totals


def _per_level(values: pd.Series, levels: pd.Series, all_levels: np.ndarray) -> pd.Series:
    """Median of `values` per level with enough transitions; other levels take the nearest level's."""
    grouped = values.groupby(levels)
    medians = grouped.median()[grouped.size() >= MIN_TRANSITIONS]
    if medians.empty:
        medians = pd.Series([values.median()], index=[all_levels.min()])
    return medians.reindex(all_levels).ffill().bfill()


@dataclass(frozen=True)
class SkillForecast:
    """Per practising user below the top level: user_id, level, days (model), baseline_days."""

    as_of: date
    users: pd.DataFrame


def forecast_levels(db: Database, *, as_of: date) -> SkillForecast:
    """Expected days from `as_of` to each practising user's next level, by the model and the baseline."""
    return _forecast(*_level_history(db, as_of), as_of)


def _forecast(reaches: pd.DataFrame, status: pd.DataFrame, as_of: date) -> SkillForecast:
    if reaches.empty:
        return SkillForecast(as_of, pd.DataFrame(columns=["user_id", "level", "days", "baseline_days"]))
    following = reaches.groupby("user_id").shift(-1)
    done = following["level"].notna()
    transitions = pd.DataFrame(
        {
            "user_id": reaches.loc[done, "user_id"],
            "level": reaches.loc[done, "level"],
            "exercises": following.loc[done, "exercises_done"] - reaches.loc[done, "exercises_done"],
            "days": (following.loc[done, "reached_day"] - reaches.loc[done, "reached_day"]).dt.days,
        }
    )
    top_level = int(reaches["level"].max())
    levels = np.arange(int(reaches["level"].min()), top_level + 1)
    exercises_needed = _per_level(transitions["exercises"], transitions["level"], levels)
    days_needed = _per_level(transitions["days"].astype(float), transitions["level"], levels)
    transitions["needed"] = exercises_needed.reindex(transitions["level"]).to_numpy()
    spent = transitions.groupby("user_id")[["exercises", "needed"]].sum()

    current = reaches.groupby("user_id").tail(1).merge(status, on="user_id")
    current = current[current["level"] < top_level].set_index("user_id")
    need_now = exercises_needed.reindex(current["level"]).to_numpy()
    own = spent.reindex(current.index).fillna(0.0)
    pace = (own["exercises"].to_numpy() + need_now) / (own["needed"].to_numpy() + need_now)
    since = current["exercises_total"] - current["exercises_done"]
    remaining = np.maximum(need_now * pace - since.to_numpy(), MIN_REMAINING_SHARE * need_now * pace)
    rate = np.where(current["exercises_28"] > 0, current["exercises_28"] / 28, current["exercises_90"] / 90)
    baseline = np.maximum(days_needed.reindex(current["level"]).to_numpy(), 1)
    practising = rate > 0
    users = pd.DataFrame(
        {
            "user_id": current.index[practising],
            "level": current["level"].to_numpy()[practising].astype(int),
            "days": np.clip(remaining[practising] / rate[practising], 1, MAX_DAYS),
            "baseline_days": np.clip(baseline[practising], 1, MAX_DAYS),
        }
    )
    return SkillForecast(as_of, users)


def _kaplan_meier(ratio: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, cumulative share reached by each time) for right-censored `ratio`s."""
    order = np.argsort(ratio, kind="stable")
    times, events = ratio[order], observed[order]
    at_risk = len(times) - np.arange(len(times))
    reached = 1 - np.cumprod(np.where(events, 1 - 1 / at_risk, 1.0))
    return times, reached


def _quantile(times: np.ndarray, reached: np.ndarray, share: float) -> float:
    hits = np.flatnonzero(reached >= share)
    return float(times[hits[0]]) if len(hits) else np.nan


def _share_by(times: np.ndarray, reached: np.ndarray, at: float) -> float:
    index = np.searchsorted(times, at, side="right") - 1
    return float(reached[index]) if index >= 0 else 0.0


@dataclass(frozen=True)
class RatioIntervals:
    """Per group of predicted days (terciles), the 10th and 90th percentile of actual / predicted days.

    A bound is NaN when too few users of the group levelled up within the validation span to know it.
    """

    edges: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def fit(cls, predicted: np.ndarray, ratio: np.ndarray, observed: np.ndarray) -> RatioIntervals:
        """`ratio`: actual / predicted days, or the censoring span / predicted where not `observed`."""
        edges = np.unique(np.quantile(predicted, [1 / 3, 2 / 3])) if len(predicted) else np.array([])
        group = np.searchsorted(edges, predicted, side="right")
        tail = (1 - INTERVAL_COVERAGE) / 2
        low, high = np.full(len(edges) + 1, np.nan), np.full(len(edges) + 1, np.nan)
        for index in range(len(edges) + 1):
            members = group == index
            if members.any():
                times, reached = _kaplan_meier(ratio[members], observed[members])
                low[index], high[index] = _quantile(times, reached, tail), _quantile(times, reached, 1 - tail)
        return cls(edges, low, high)

    def ratios(self, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        group = np.searchsorted(self.edges, predicted, side="right")
        return self.low[group], self.high[group]

    def coverage(self, predicted: np.ndarray, ratio: np.ndarray, observed: np.ndarray) -> float:
        """Kaplan-Meier share of these users whose actual / predicted falls inside their interval."""
        low, high = self.ratios(predicted)
        times, reached = _kaplan_meier(ratio, observed)
        inside = [
            _share_by(times, reached, np.inf if np.isnan(top) else top) - _share_by(times, reached, bottom)
            for bottom, top in zip(np.nan_to_num(low), high, strict=True)
        ]
        return float(np.mean(inside)) if inside else float("nan")


def _outcomes(forecast: SkillForecast, later: pd.DataFrame, *, until: date) -> tuple[np.ndarray, np.ndarray]:
    """(days from the forecast's day to each user's next level, reached by `until`?) per forecast user.

    `later` holds the level reaches up to `until`.
    """
    users = forecast.users[["user_id", "level"]].merge(later, on="user_id", suffixes=("", "_later"))
    start = pd.Timestamp(forecast.as_of)
    users = users[(users["level_later"] > users["level"]) & (users["reached_day"] > start)]
    first = users.groupby("user_id")["reached_day"].min()
    span = (pd.Timestamp(until) - start).days
    days = (first.reindex(forecast.users["user_id"]) - start).dt.days.to_numpy(dtype=float)
    return np.where(np.isnan(days), span, days), ~np.isnan(days)


@dataclass(frozen=True)
class SkillModel:
    """The intervals learnt on the validation day, and the validation figures."""

    intervals: RatioIntervals | None
    quality: dict[str, Any]


def validate(db: Database, *, as_of: date, reaches: pd.DataFrame) -> SkillModel:
    """Forecast from `as_of` - VALIDATION_DAYS and compare with `reaches`, the level history up to `as_of`."""
    start = as_of - timedelta(days=VALIDATION_DAYS)
    forecast = forecast_levels(db, as_of=start)
    if forecast.users.empty:
        return SkillModel(None, {"rows": 0})
    actual, observed = _outcomes(forecast, reaches, until=as_of)
    predicted = forecast.users["days"].to_numpy()
    ratio = actual / predicted
    half = user_part(forecast.users["user_id"], 2) == 0
    coverage = RatioIntervals.fit(predicted[half], ratio[half], observed[half]).coverage(
        predicted[~half], ratio[~half], observed[~half]
    )
    intervals = RatioIntervals.fit(predicted, ratio, observed)
    capped_actual = np.minimum(actual, VALIDATION_DAYS)
    quality = {
        "rows": len(predicted),
        "reached_share": float(observed.mean()),
        "validation_day": start.isoformat(),
        "mae_days": mean_absolute_error(capped_actual, np.minimum(predicted, VALIDATION_DAYS)),
        "baseline_mae_days": mean_absolute_error(
            capped_actual, np.minimum(forecast.users["baseline_days"], VALIDATION_DAYS)
        ),
        "baseline": "population median days per level",
        "capped_at_days": VALIDATION_DAYS,
        "interval_coverage": coverage,
        "two_sided_share": float(np.mean(~np.isnan(intervals.ratios(predicted)[1]))),
    }
    return SkillModel(intervals, quality)


def _day_words(day: date, as_of: date) -> str:
    return f"{day.day} {day:%B}" + (f" {day.year}" if day.year != as_of.year else "")


def skill_words(level: int, expected: date, earliest: date | None, latest: date | None, as_of: date) -> str:
    """ "at this pace you reach level 5 around 12 March (between 2 and 25 March)"; years only when not as_of's."""
    words = f"at this pace you reach level {level} around {_day_words(expected, as_of)}"
    if earliest and latest:
        same_month = (earliest.year, earliest.month) == (latest.year, latest.month)
        start = str(earliest.day) if same_month else _day_words(earliest, as_of)
        return words + f" (between {start} and {_day_words(latest, as_of)})"
    if earliest:
        return words + f" ({_day_words(earliest, as_of)} at the earliest)"
    return words


def skill_predictions(db: Database, *, as_of: date) -> PredictionSet:
    """Validate, then forecast every practising user's next level from `as_of`.

    prediction_data: current_level, next_level, expected_date, earliest, latest (ISO dates; None when
    the validation could not bound that side), days, baseline_days, words.
    confidence_score: the interval's coverage on validation users other than those who set it.
    """
    reaches, status = _level_history(db, as_of)
    model = validate(db, as_of=as_of, reaches=reaches)
    users = _forecast(reaches, status, as_of).users
    days = users["days"].to_numpy()
    low, high = model.intervals.ratios(days) if model.intervals else (days * np.nan, days * np.nan)
    data = []
    for row, low_ratio, high_ratio in zip(users.itertuples(index=False), low, high, strict=True):
        expected = as_of + timedelta(days=round(row.days))
        earliest = (
            None if np.isnan(low_ratio) else as_of + timedelta(days=max(1, round(row.days * low_ratio)))
        )
        latest = None
        if not np.isnan(high_ratio) and row.days * high_ratio <= MAX_DAYS:
            latest = as_of + timedelta(days=max(round(row.days), round(row.days * high_ratio)))
        data.append(
            {
                "current_level": row.level,
                "next_level": row.level + 1,
                "expected_date": expected.isoformat(),
                "earliest": earliest.isoformat() if earliest else None,
                "latest": latest.isoformat() if latest else None,
                "days": round(float(row.days), 1),
                "baseline_days": round(float(row.baseline_days), 1),
                "words": skill_words(row.level + 1, expected, earliest, latest, as_of),
            }
        )
    return PredictionSet(
        prediction_type=PREDICTION_TYPE,
        model_version=MODEL_VERSION,
        horizon_days=None,
        user_ids=users["user_id"].tolist(),
        data=data,
        confidence=[model.quality.get("interval_coverage")] * len(data),
        quality={"next_level": model.quality},
    )
