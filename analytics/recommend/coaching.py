"""Improvement and behaviour recommendations from a user's last four weeks against their peers.

Peers are the users of the same plan active in the same `window_days` (the user included; groups of
fewer than MIN_PEERS + 1 users give no peer-based advice). Each rule fires on a measured shortfall and
writes its numbers into the reason:

| rule         | type        | fires when                                                   | weight | severity (0..1)                      |
|--------------|-------------|--------------------------------------------------------------|--------|--------------------------------------|
| accuracy     | improvement | accuracy (≥ 10 answers) below the peers' p25                  | 1.0    | (p25 − accuracy) / p25 / 0.25        |
| practice     | behaviour   | active days a week below 3 and below the peers' median        | 0.9    | (3 − days a week) / 3                |
| completion   | improvement | completion rate (≥ 10 completable) below the peers' p25       | 0.7    | (p25 − rate) / p25 / 0.5             |
| feature      | behaviour   | a feature used by ≥ 15% of the peers was never used by the user | 0.5  | share of peers who used it / 0.5     |

priority_score = round(100 × weight × min(severity, 1), 1). Peer quartiles of accuracy and completion
are over peers with at least the same minimum activity.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.filters import Filters, literal_day
from analytics.json_fields import json_number, json_text
from analytics.peers import MIN_PEERS, user_metrics
from analytics.periods import local_midnight_utc
from analytics.schema import EVENTS, USER_DAILY, USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

IMPROVEMENT = "improvement"
BEHAVIOUR = "behaviour"
WINDOW_DAYS = 28
MIN_ANSWERS = 10
MIN_COMPLETABLE = 10
MIN_SKILL_ANSWERS = 5
TARGET_DAYS_PER_WEEK = 3
FEATURE_MIN_SHARE = 0.15
WEIGHTS = {"accuracy": 1.0, "practice": 0.9, "completion": 0.7, "feature": 0.5}
FULL_SEVERITY_AT = {"accuracy": 0.25, "completion": 0.5, "feature": 0.5}
"""Relative shortfall below the peers' p25 (feature: share of peers) at which the severity reaches 1."""
COACHING_COLUMNS = ["user_id", "recommendation_type", "item", "reason", "priority_score", "actionable_items"]


def feature_item(feature: str) -> str:
    """The item of the feature rule's advice for `feature`."""
    return f"Try {feature}"


def priority(rule: str, severity: pd.Series | np.ndarray) -> np.ndarray:
    """100 × the rule's weight × severity capped at 1, rounded to 0.1."""
    return np.round(100 * WEIGHTS[rule] * np.clip(np.asarray(severity, dtype=float), 0, 1), 1)


def coaching_recommendations(
    db: Database,
    viewer: Viewer,
    *,
    as_of: date,
    user_ids: list[str] | None = None,
    window_days: int = WINDOW_DAYS,
) -> pd.DataFrame:
    """Advice for `user_ids` (default: everyone active in the window) from the `window_days` ending `as_of`.

    Columns: COACHING_COLUMNS (actionable_items is a list of strings), by user and priority.
    """
    viewer.require(Permission.GENERATE_RECOMMENDATIONS)
    window = Filters(start=as_of - timedelta(days=window_days - 1), end=as_of)
    metrics = db.run(user_metrics(window))
    plans = db.run(analysable(USERS).select("user_id", "plan"))
    metrics = metrics.merge(plans, on="user_id", how="left")
    metrics["plan"] = metrics["plan"].fillna("(none)")
    metrics["days_per_week"] = metrics["active_days"] / (window_days / 7)
    metrics["peers"] = metrics.groupby("plan")["user_id"].transform("size") - 1
    targets = metrics if user_ids is None else metrics[metrics["user_id"].isin(set(user_ids))]
    targets = targets[targets["peers"] >= MIN_PEERS]
    if targets.empty:  # e.g. nobody active in the window: the empty frames lose their column types
        return pd.DataFrame(columns=COACHING_COLUMNS)
    parts = [
        _accuracy(db, metrics, targets, window, window_days),
        _practice(metrics, targets, window_days),
        _completion(metrics, targets, window_days),
        _feature(db, window, targets, as_of, window_days),
    ]
    found = [part for part in parts if not part.empty]
    if not found:
        return pd.DataFrame(columns=COACHING_COLUMNS)
    return pd.concat(found, ignore_index=True).sort_values(
        ["user_id", "priority_score"], ascending=[True, False], ignore_index=True
    )[COACHING_COLUMNS]


def _quartile(metrics: pd.DataFrame, column: str, share: float, *, where: pd.Series) -> pd.Series:
    """Per plan, the `share` quantile of `column` over the rows `where` holds, aligned to `metrics`."""
    by_plan = metrics[where].groupby("plan")[column].quantile(share)
    return metrics["plan"].map(by_plan)


def _weeks(window_days: int) -> str:
    return f"{window_days // 7} weeks" if window_days % 7 == 0 else f"{window_days} days"


def _accuracy(
    db: Database, metrics: pd.DataFrame, targets: pd.DataFrame, window: Filters, window_days: int
) -> pd.DataFrame:
    enough = metrics["answers"] >= MIN_ANSWERS
    p25 = _quartile(metrics, "accuracy", 0.25, where=enough).loc[targets.index]
    graded = (metrics.loc[enough].groupby("plan")["user_id"].size() - 1).reindex(targets["plan"]).to_numpy()
    low = targets.assign(benchmark=p25)
    low = low[(low["answers"] >= MIN_ANSWERS) & (low["accuracy"] < low["benchmark"]) & (graded >= MIN_PEERS)]
    if low.empty:
        return pd.DataFrame()
    low = low.merge(
        _weakest_skills(db, window, low["user_id"]), on="user_id", how="left", suffixes=("", "_skill")
    )
    rows = []
    for user in low.itertuples():
        level = int(user.skill_level) if pd.notna(user.skill_level) else 1
        reason = (
            f"Your accuracy over the last {_weeks(window_days)} was {user.accuracy:.1%} on {user.answers} answers, "
            f"below the 25th percentile of active {user.plan} users ({user.benchmark:.1%}, {user.peers} peers)."
        )
        topic, item = "recent", "Review recent lessons"
        if pd.notna(user.skill):
            topic, item = user.skill, f"Review the {user.skill} lessons"
            reason += f" Your weakest skill is {topic} ({user.accuracy_skill:.1%} on {user.answers_skill:.0f} answers)."
        steps = [
            f"Redo two {topic} lessons at level {level}",
            f"Do ten {topic} exercises at level {max(level - 1, 1)} and aim for {user.benchmark:.0%} or better",
            "Read the explanation after every wrong answer before moving on",
        ]
        rows.append((user.user_id, IMPROVEMENT, item, reason, steps))
    frame = pd.DataFrame(
        rows, columns=["user_id", "recommendation_type", "item", "reason", "actionable_items"]
    )
    shortfall = (low["benchmark"] - low["accuracy"]) / low["benchmark"]
    frame["priority_score"] = priority("accuracy", shortfall / FULL_SEVERITY_AT["accuracy"])
    return frame


def _weakest_skills(db: Database, window: Filters, user_ids: pd.Series) -> pd.DataFrame:
    """Per user, the skill with the lowest accuracy (≥ MIN_SKILL_ANSWERS answers) in the window.

    Columns: user_id, skill, accuracy, answers (users without such a skill are missing).
    """
    zone = load_settings().reporting_timezone
    events = analysable(EVENTS)
    events = events.filter(
        (events.timestamp >= ibis.literal(local_midnight_utc(window.start, zone), type="timestamp"))
        & (
            events.timestamp
            < ibis.literal(local_midnight_utc(window.end + timedelta(days=1), zone), type="timestamp")
        )
    )
    wanted = ibis.memtable(pd.DataFrame({"user_id": user_ids.astype(str).to_numpy()}))
    events = events.semi_join(wanted, "user_id")
    graded = events.select(
        "user_id",
        skill=json_text(events.properties, "skill"),
        accuracy=json_number(events.properties, "accuracy"),
    )
    graded = graded.filter(graded.skill.notnull() & graded.accuracy.notnull())
    per_skill = db.run(
        graded.group_by(["user_id", "skill"]).aggregate(
            accuracy=graded.accuracy.mean(), answers=graded.count()
        )
    )
    per_skill = per_skill[per_skill["answers"] >= MIN_SKILL_ANSWERS]
    per_skill = per_skill.sort_values(["user_id", "accuracy", "skill"])
    per_skill["answers"] = per_skill["answers"].astype("int64")
    return per_skill.drop_duplicates("user_id")[["user_id", "skill", "accuracy", "answers"]]


def _practice(metrics: pd.DataFrame, targets: pd.DataFrame, window_days: int) -> pd.DataFrame:
    median = metrics.groupby("plan")["days_per_week"].transform("median").loc[targets.index]
    rarely = targets[(targets["days_per_week"] < TARGET_DAYS_PER_WEEK) & (targets["days_per_week"] < median)]
    median = median.loc[rarely.index]
    reasons = [
        f"You practised on {user.active_days} of the last {window_days} days ({user.days_per_week:.1f} a week); half of "
        f"the active {user.plan} users ({user.peers} peers) practised on {peers:.1f} days a week or more."
        for user, peers in zip(rarely.itertuples(), median, strict=True)
    ]
    steps = [
        f"Pick {TARGET_DAYS_PER_WEEK} fixed days this week and book ten minutes on each",
        "Turn on a daily practice reminder",
        "Keep sessions short: one lesson and five exercises are enough",
    ]
    return pd.DataFrame(
        {
            "user_id": rarely["user_id"].to_numpy(),
            "recommendation_type": BEHAVIOUR,
            "item": f"Practise {TARGET_DAYS_PER_WEEK} days a week",
            "reason": reasons,
            "priority_score": priority(
                "practice", (TARGET_DAYS_PER_WEEK - rarely["days_per_week"]) / TARGET_DAYS_PER_WEEK
            ),
            "actionable_items": [steps] * len(rarely),
        }
    )


def _completion(metrics: pd.DataFrame, targets: pd.DataFrame, window_days: int) -> pd.DataFrame:
    enough = metrics["completable"] >= MIN_COMPLETABLE
    p25 = _quartile(metrics, "completion_rate", 0.25, where=enough).loc[targets.index]
    graded = (metrics.loc[enough].groupby("plan")["user_id"].size() - 1).reindex(targets["plan"]).to_numpy()
    low = targets[
        (targets["completable"] >= MIN_COMPLETABLE)
        & (targets["completion_rate"] < p25)
        & (graded >= MIN_PEERS)
    ]
    p25 = p25.loc[low.index]
    reasons = [
        f"You completed {user.completion_rate:.1%} of the {user.completable} exercises and lessons you started "
        f"over the last {_weeks(window_days)}; three quarters of the active {user.plan} users complete "
        f"{benchmark:.1%} or more."
        for user, benchmark in zip(low.itertuples(), p25, strict=True)
    ]
    steps = [
        "Start only as many exercises as you have time to finish",
        "Finish an open exercise before starting a new one",
        "If an exercise is too hard, switch to a lesson on the same skill first",
    ]
    shortfall = (p25 - low["completion_rate"]) / p25
    return pd.DataFrame(
        {
            "user_id": low["user_id"].to_numpy(),
            "recommendation_type": IMPROVEMENT,
            "item": "Finish the exercises you start",
            "reason": reasons,
            "priority_score": priority("completion", shortfall / FULL_SEVERITY_AT["completion"]),
            "actionable_items": [steps] * len(low),
        }
    )


def _feature(
    db: Database, window: Filters, targets: pd.DataFrame, as_of: date, window_days: int
) -> pd.DataFrame:
    """The feature most used by the user's plan peers in the window that the user never used."""
    daily = analysable(USER_DAILY)
    recent = daily.filter(daily.day.between(literal_day(window.start), literal_day(window.end)))
    used = recent.select("user_id", feature=recent.features.unnest()).distinct()
    users = analysable(USERS)
    used = used.join(users.select("user_id", "plan"), "user_id")
    counts = db.run(used.group_by(["plan", "feature"]).aggregate(users=used.user_id.nunique()))
    if counts.empty or targets.empty:
        return pd.DataFrame()
    counts["plan"] = counts["plan"].fillna("(none)")
    size = targets.drop_duplicates("plan").set_index("plan")["peers"] + 1
    counts = counts[counts["plan"].isin(size.index)]
    counts["share"] = counts["users"] / counts["plan"].map(size)
    popular = counts[counts["share"] >= FEATURE_MIN_SHARE]
    if popular.empty:
        return pd.DataFrame()
    ever = daily.filter(daily.day <= literal_day(as_of))
    ever = ever.select("user_id", feature=ever.features.unnest()).distinct()
    wanted = ibis.memtable(pd.DataFrame({"user_id": targets["user_id"].astype(str).to_numpy()}))
    tried = db.run(ever.semi_join(wanted, "user_id"))
    options = targets[["user_id", "plan", "peers"]].merge(popular, on="plan")
    options = options.merge(tried.assign(tried=True), on=["user_id", "feature"], how="left")
    options = options[options["tried"].isna()]
    best = options.sort_values(["user_id", "share", "feature"], ascending=[True, False, True])
    best = best.drop_duplicates("user_id")
    return pd.DataFrame(
        {
            "user_id": best["user_id"].to_numpy(),
            "recommendation_type": BEHAVIOUR,
            "item": [feature_item(feature) for feature in best["feature"]],
            "reason": [
                f"{row.share:.0%} of the {row.peers + 1} active {row.plan} users used {row.feature} in the last "
                f"{_weeks(window_days)}; you have not tried it yet."
                for row in best.itertuples()
            ],
            "priority_score": priority("feature", best["share"] / FULL_SEVERITY_AT["feature"]),
            "actionable_items": [
                [f"Open {feature} once in your next session", f"Use {feature} on today's lesson"]
                for feature in best["feature"]
            ],
        }
    )
