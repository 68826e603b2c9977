"""How good the recommendations are: hit-rate@k on a time-split holdout, against the most-popular baseline.

Both models are fitted on the interactions before a cut day (reporting zone). A user is evaluated when
they had interactions before the cut and did at least one item in the `test_days` after it that they had
never done before and that the models know (done by someone before the cut). A hit: at least one of
those new items is among the user's top `k` recommendations (already done items excluded). Hit-rate@k is
the share of evaluated users with a hit; lift is the model's relative improvement over the baseline.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.overview import data_days
from analytics.periods import local_midnight_utc
from analytics.recommend.implicit import ItemKNN, MostPopular, load_interactions
from analytics.viewer import SYSTEM, Viewer
from config.permissions import Permission
from config.settings import load_settings

DEFAULT_TEST_DAYS = 28


@dataclass(frozen=True)
class RecommenderQuality:
    """Hit-rate@k of the model and of the most-popular baseline on one time split."""

    k: int
    cut: date
    test_days: int
    users: int
    hit_rate: float
    baseline_hit_rate: float
    seconds: float

    @property
    def lift_pct(self) -> float | None:
        """Relative improvement of the model over the baseline, in percent (None when the baseline is 0)."""
        if self.baseline_hit_rate == 0:
            return None
        return 100.0 * (self.hit_rate / self.baseline_hit_rate - 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {**asdict(self), "cut": self.cut.isoformat(), "lift_pct": self.lift_pct}

    def __str__(self) -> str:
        lift = "n/a" if self.lift_pct is None else f"{self.lift_pct:+.0f}%"
        return (
            f"hit-rate@{self.k} {self.hit_rate:.1%} vs most-popular {self.baseline_hit_rate:.1%} "
            f"(lift {lift}) on {self.users:,} users active in the {self.test_days} days from {self.cut}"
        )


def held_out_items(train: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """(user_id, item) pairs of `later` that are new for users with history in `train`, on known items."""
    pairs = later[["user_id", "item"]].astype(object).drop_duplicates()
    known_users, known_items = set(train["user_id"].unique()), set(train["item"].unique())
    pairs = pairs[pairs["user_id"].isin(known_users) & pairs["item"].isin(known_items)]
    seen = train.loc[train["user_id"].isin(set(pairs["user_id"])), ["user_id", "item"]].astype(object)
    marked = pairs.merge(seen, on=["user_id", "item"], how="left", indicator=True)
    return marked.loc[marked["_merge"] == "left_only", ["user_id", "item"]].reset_index(drop=True)


def hit_rate(recommended: pd.DataFrame, held_out: pd.DataFrame, *, k: int) -> float:
    """Share of users in `held_out` (user_id, item) with at least one of their items in their top `k`.

    `recommended` has user_id, rank and item; users of `held_out` missing from it count as misses.
    """
    users = held_out["user_id"].nunique()
    if users == 0:
        return 0.0
    top = recommended.loc[recommended["rank"] <= k, ["user_id", "item"]]
    hits = top.merge(held_out[["user_id", "item"]], on=["user_id", "item"])
    return hits["user_id"].nunique() / users


def evaluate_recommender(
    db: Database,
    viewer: Viewer,
    *,
    cut: date | None = None,
    test_days: int = DEFAULT_TEST_DAYS,
    k: int = 10,
    model: ItemKNN | None = None,
) -> RecommenderQuality:
    """Fit `model` (default ItemKNN()) and the baseline before `cut`, and score both on the next `test_days`.

    `cut` is a reporting-zone day (default: `test_days` before the day after the last day with data).
    """
    viewer.require(Permission.GENERATE_RECOMMENDATIONS)
    if isinstance(test_days, bool) or not isinstance(test_days, int) or test_days < 1:
        raise AnalyticsError(f"The 'test_days' option must be an int >= 1. Got {test_days!r} instead.")
    started = time.perf_counter()
    if cut is None:
        span = data_days(db, SYSTEM)
        if span is None:
            raise AnalyticsError(f"The database {db.path} has no events to evaluate recommendations on.")
        cut = span[1] + timedelta(days=1 - test_days)
    zone = load_settings().reporting_timezone
    cut_at = local_midnight_utc(cut, zone)
    train = load_interactions(db, viewer, before=cut_at)
    test_end = local_midnight_utc(cut + timedelta(days=test_days), zone)
    later = load_interactions(db, viewer, before=test_end, first_since=cut_at)
    held_out = held_out_items(train, later)
    users = sorted(held_out["user_id"].unique())
    fitted = (model or ItemKNN()).fit(train, as_of=cut_at)
    baseline = MostPopular().fit(train, as_of=cut_at)
    return RecommenderQuality(
        k=k,
        cut=cut,
        test_days=test_days,
        users=len(users),
        hit_rate=hit_rate(fitted.recommend(users, k=k), held_out, k=k),
        baseline_hit_rate=hit_rate(baseline.recommend(users, k=k), held_out, k=k),
        seconds=time.perf_counter() - started,
    )
