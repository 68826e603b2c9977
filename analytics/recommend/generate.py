"""One batch of recommendations: advice from `coaching` and item suggestions from `ItemKNN`, stored together.

Each user gets all their advice (at most one piece per coaching rule) and item recommendations (types
"content" and "feature") up to `k` in all; items never crowd out advice. Item priority_score = 100 ×
ITEM_WEIGHT × score ÷ the user's best item score (the best item scores 30). Ranks follow priority_score
(ties: advice first, then by item). Items the user dismissed before are not proposed again, and a feature
that coaching already suggests ("Try X") is not repeated as an item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError
from analytics.filters import check_day, literal_day
from analytics.overview import data_days
from analytics.periods import local_midnight_utc
from analytics.recommend import store
from analytics.recommend.coaching import WINDOW_DAYS, coaching_recommendations, feature_item
from analytics.recommend.evaluate import RecommenderQuality, evaluate_recommender
from analytics.recommend.implicit import CONTENT, FEATURE, ItemKNN, load_interactions, split_key
from analytics.schema import USER_DAILY, USERS, analysable
from analytics.viewer import SYSTEM, Viewer
from config.permissions import Permission
from config.settings import load_settings

ITEM_WEIGHT = 0.3
OUTPUT_COLUMNS = [
    "recommendation_id",
    "user_id",
    "rank",
    "recommendation_type",
    "item",
    "score",
    "reason",
    "actionable_items",
]
TYPE_ORDER = {"improvement": 0, "behaviour": 1, "content": 2, "feature": 3}
ITEM_TYPES = (CONTENT, FEATURE)


@dataclass(frozen=True)
class RecommendationBatch:
    """A computed batch, not yet stored: its rows (the stored columns and rank), users and quality.

    `quality` holds counts and, when evaluated, the item model's hit-rate@10 against most-popular
    (`RecommenderQuality.to_dict`). `write` stores it inside the caller's transaction, so the batch can
    be one step of a larger run.
    """

    recommendations: pd.DataFrame
    user_ids: list[str]
    quality: dict[str, Any]
    evaluation: RecommenderQuality | None = None

    def write(self, cursor: duckdb.DuckDBPyConnection, *, as_of: date | None = None) -> int:
        """Replace the users' open recommendations of this model version; returns the rows written.

        `as_of` is unused: it is part of the batch run's step-output protocol (`analytics.predict.batch`).
        """
        return store.write_recommendations(cursor, self.recommendations, user_ids=self.user_ids)


def build_recommendations(
    db: Database,
    viewer: Viewer,
    *,
    as_of: date | None = None,
    user_ids: list[str] | None = None,
    k: int = 10,
    progress: Callable[[str], None] | None = None,
    evaluate: bool = False,
) -> RecommendationBatch:
    """Compute up to `k` recommendations per user as of the end of `as_of`, without storing them.

    Users: `user_ids` (those who withdrew consent are skipped), by default everyone active in the
    WINDOW_DAYS ending `as_of` (default: the last day with data). With `evaluate`, the item model's
    hit-rate on the WINDOW_DAYS up to `as_of` is measured too (a second fit on the earlier data).
    """
    viewer.require(Permission.GENERATE_RECOMMENDATIONS)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 100:
        raise AnalyticsError(
            f"The 'k' option of generate_recommendations must be an int in [1, 100]. Got {k!r}."
        )
    say = progress or (lambda _message: None)
    as_of = _last_day(db) if as_of is None else check_day(as_of, "as_of")
    users = _target_users(db, as_of, user_ids)
    say(f"recommending for {len(users):,} users as of {as_of}")
    end_at = local_midnight_utc(as_of + timedelta(days=1), load_settings().reporting_timezone)
    model = ItemKNN().fit(load_interactions(db, viewer, before=end_at), as_of=end_at)
    say(f"fitted item similarities of {len(model.items_):,} items")
    items = _item_rows(model, model.recommend(users, k=k))
    advice = coaching_recommendations(db, viewer, as_of=as_of, user_ids=users)
    say(f"{len(items):,} item suggestions and {len(advice):,} pieces of advice")
    chosen = store.prepare(_rank(_without_repeats(db, items, advice, users), k))
    quality: dict[str, Any] = {
        "model_version": store.MODEL_VERSION,
        "users": len(users),
        "recommendations": len(chosen),
        "items_modelled": len(model.items_),
    }
    measured = None
    if evaluate:
        cut = as_of - timedelta(days=WINDOW_DAYS - 1)
        measured = evaluate_recommender(db, viewer, cut=cut, test_days=WINDOW_DAYS)
        say(f"item model: {measured}")
        quality["item_model"] = measured.to_dict()
    return RecommendationBatch(chosen, users, quality, measured)


def generate_recommendations(
    db: Database,
    viewer: Viewer,
    *,
    as_of: date | None = None,
    user_ids: list[str] | None = None,
    k: int = 10,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """`build_recommendations` and store the batch in one transaction (replacing the users' open ones
    of the same model version). Columns: OUTPUT_COLUMNS (score is the priority_score), by user and rank.
    """
    batch = build_recommendations(db, viewer, as_of=as_of, user_ids=user_ids, k=k, progress=progress)
    with db.transaction() as cursor:
        written = batch.write(cursor)
    (progress or (lambda _message: None))(
        f"stored {written:,} recommendations for {len(batch.user_ids):,} users"
    )
    return batch.recommendations.rename(columns={"priority_score": "score"})[OUTPUT_COLUMNS]


def _last_day(db: Database) -> date:
    span = data_days(db, SYSTEM)
    if span is None:
        raise AnalyticsError(f"The database {db.path} has no events to recommend from.")
    return span[1]


def _target_users(db: Database, as_of: date, user_ids: list[str] | None) -> list[str]:
    if user_ids is not None:
        wanted = list(dict.fromkeys(user_ids))
        known = set(db.run(USERS.filter(USERS.user_id.isin(wanted)).select("user_id"))["user_id"])
        unknown = [user for user in wanted if user not in known]
        if unknown:
            raise NotFoundError(f"Unknown user ids: {', '.join(unknown)}.")
        consenting = analysable(USERS).filter(USERS.user_id.isin(wanted)).select("user_id")
        allowed = set(db.run(consenting)["user_id"])
        return [user for user in wanted if user in allowed]
    daily = analysable(USER_DAILY)
    window_start = as_of - timedelta(days=WINDOW_DAYS - 1)
    active = daily.filter(daily.day.between(literal_day(window_start), literal_day(as_of)))
    return sorted(db.run(active.select("user_id").distinct())["user_id"])


def _describe(key: str) -> str:
    kind, name = split_key(key)
    return name if kind == CONTENT else f"the {name} feature"


def _item_rows(model: ItemKNN, found: pd.DataFrame) -> pd.DataFrame:
    """Item recommendations as stored rows, with their reason and priority (see the module docstring)."""
    if found.empty:
        return pd.DataFrame(columns=store.STORED_COLUMNS[1:7])
    # Texts are built once per distinct item and mapped onto the rows (there may be millions of rows).
    keys = pd.Index(model.items_)
    kinds = found["item"].map(dict(zip(keys, (split_key(key)[0] for key in keys), strict=True)))
    names = found["item"].map(dict(zip(keys, (split_key(key)[1] for key in keys), strict=True)))
    popular = {
        key: f"One of the most popular: {int(users):,} users did it, you have not yet."
        for key, users in zip(keys, model.popularity_, strict=True)
    }
    described = found["because"].map({key: _describe(key) for key in keys})
    similarity = pd.Series(
        np.char.mod("%.2f", found["because_similarity"].fillna(0).to_numpy()), index=found.index
    )
    reasons = (
        "Often done together with " + described + ", which you did (cosine similarity " + similarity + ")."
    )
    reasons = reasons.where(found["because"] != "", found["item"].map(popular))
    steps = {
        key: [f"Open {name} in your next session"]
        if kind == CONTENT
        else [f"Try {name} in your next session"]
        for key, (kind, name) in zip(keys, map(split_key, keys), strict=True)
    }
    best = found.groupby("user_id")["score"].transform("max")
    ratio = np.divide(found["score"], best, out=np.ones(len(found)), where=best > 0)
    return pd.DataFrame(
        {
            "user_id": found["user_id"].to_numpy(),
            "recommendation_type": kinds.to_numpy(),
            "item": names.to_numpy(),
            "reason": reasons.to_numpy(),
            "priority_score": np.round(100 * ITEM_WEIGHT * ratio, 1),
            "actionable_items": found["item"].map(steps).to_numpy(),
        }
    )


def _without_repeats(
    db: Database, items: pd.DataFrame, advice: pd.DataFrame, users: list[str]
) -> pd.DataFrame:
    """Items and advice together, less features coaching already suggests and anything dismissed before."""
    as_advice = items[["user_id"]].assign(item=items["item"].map(feature_item))
    as_advice = as_advice[(items["recommendation_type"] == FEATURE).to_numpy()]
    suggested = as_advice.reset_index().merge(advice[["user_id", "item"]], on=["user_id", "item"])["index"]
    combined = pd.concat([advice, items.drop(index=suggested)], ignore_index=True)
    dismissed = store.dismissed_items(db, users)
    if dismissed.empty or combined.empty:
        return combined
    keys = ["user_id", "recommendation_type", "item"]
    marked = combined.merge(dismissed.assign(dismissed=True), on=keys, how="left")
    return combined[marked["dismissed"].isna().to_numpy()]


def _rank(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per user: advice first (best `k`), then items by priority up to `k` in all; ranked by priority."""
    if frame.empty:
        return frame.assign(rank=pd.Series(dtype="int64"))
    ordered = frame.assign(type_order=frame["recommendation_type"].map(TYPE_ORDER).fillna(len(TYPE_ORDER)))
    is_item = ordered["recommendation_type"].isin(ITEM_TYPES).to_numpy()
    ordered = ordered.assign(is_item=is_item).sort_values(
        ["user_id", "is_item", "priority_score", "type_order", "item"],
        ascending=[True, True, False, True, True],
    )
    kept = ordered[ordered.groupby("user_id").cumcount() < k]
    kept = kept.sort_values(
        ["user_id", "priority_score", "type_order", "item"], ascending=[True, False, True, True]
    )
    kept = kept.assign(rank=kept.groupby("user_id").cumcount() + 1)
    return kept.drop(columns=["type_order", "is_item"]).reset_index(drop=True)
