"""Feature and content recommendations from implicit feedback: item-item cosine similarity on who did what.

An interaction is a user doing an item: a content item (any event whose properties carry `content_id`,
such as lessons and exercises) or a feature (any event whose properties carry `feature`). The model
(`ItemKNN`) is the classic item-based neighbourhood method: the cosine similarity of two items is
computed over the binary users × items matrix, and a user's score for an item is the sum of its
similarities to the items the user did, each weighted by how recently they did it (half-life
`half_life_days`), so the next step of a learner weighs more than what they did months ago. Items the
user already did are never recommended. `MostPopular` (items by the number of users who did them) is the
baseline it must beat (see `evaluate.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.viewer import Viewer
from config.permissions import Permission

CONTENT = "content"
FEATURE = "feature"
INTERACTION_COLUMNS = ["user_id", "item", "events", "first_at", "last_at"]
RECOMMENDATION_COLUMNS = ["user_id", "rank", "item", "score", "because", "because_similarity"]
MAX_ITEMS = 5_000
"""Most items the similarity matrix holds (the most popular ones): 5,000² float32 is 100 MB."""
BATCH_CELLS = 1_000_000
"""Users × items scored at once, to bound memory whatever the number of users."""


def split_key(key: str) -> tuple[str, str]:
    """(kind, name) of an item key."""
    kind, _, name = key.partition(":")
    return kind, name


PAIRS_SQL = """
CREATE OR REPLACE TEMP TABLE recommend_pairs AS
SELECT user_id, item, count(*) AS events, min(timestamp) AS first_at, max(timestamp) AS last_at
FROM (
    SELECT e.user_id, e.timestamp,
           coalesce('content:' || (e.properties ->> 'content_id'), 'feature:' || (e.properties ->> 'feature')) AS item
    FROM events AS e
    ANTI JOIN (SELECT user_id FROM users WHERE NOT consent_analytics) AS withdrawn ON e.user_id = withdrawn.user_id
    WHERE e.timestamp < ?
)
WHERE item IS NOT NULL
GROUP BY user_id, item
HAVING min(timestamp) >= ?
"""
CODED_SQL = """
SELECT u.code AS user_code, i.code AS item_code, p.events, p.first_at, p.last_at
FROM recommend_pairs AS p
JOIN (SELECT user_id, (row_number() OVER (ORDER BY user_id) - 1)::INTEGER AS code
      FROM (SELECT DISTINCT user_id FROM recommend_pairs)) AS u USING (user_id)
JOIN (SELECT item, (row_number() OVER (ORDER BY item) - 1)::INTEGER AS code
      FROM (SELECT DISTINCT item FROM recommend_pairs)) AS i USING (item)
"""
# SQL rather than Ibis: Ibis extracts each JSON property with a type check (two parses per property),
# which makes this scan of every event several times slower. The pairs come back as integer codes with
# their sorted user ids and items once each: millions of repeated strings cost more to hand to pandas
# than the scan itself.


def load_interactions(
    db: Database, viewer: Viewer, *, before: datetime | None = None, first_since: datetime | None = None
) -> pd.DataFrame:
    """Every (user, item) pair of consenting users with events before `before` (naive UTC; None: all),
    and with `first_since`, only the pairs whose first event is at or after it.

    Columns: INTERACTION_COLUMNS — user_id and item (an item key) are categoricals, events the number
    of events, first_at and last_at the first and last of them (naive UTC); in no particular order.
    """
    viewer.require(Permission.GENERATE_RECOMMENDATIONS)
    cursor = db.cursor()  # the temporary table lives in this cursor's own connection only
    cursor.execute(PAIRS_SQL, [before or datetime.max, first_since or datetime.min])
    try:
        users = [
            row[0]
            for row in cursor.execute("SELECT DISTINCT user_id FROM recommend_pairs ORDER BY 1").fetchall()
        ]
        items = [
            row[0]
            for row in cursor.execute("SELECT DISTINCT item FROM recommend_pairs ORDER BY 1").fetchall()
        ]
        coded = cursor.execute(CODED_SQL).df()
    finally:
        cursor.execute("DROP TABLE IF EXISTS recommend_pairs")
    return pd.DataFrame(
        {
            "user_id": pd.Categorical.from_codes(
                coded["user_code"].to_numpy(), categories=pd.Index(users, dtype=object)
            ),
            "item": pd.Categorical.from_codes(
                coded["item_code"].to_numpy(), categories=pd.Index(items, dtype=object)
            ),
            "events": coded["events"].astype("int64"),
            "first_at": coded["first_at"],
            "last_at": coded["last_at"],
        }
    )


@dataclass(frozen=True)
class Interactions:
    """The interactions as sparse users × items matrices: `seen` (0/1) and `recency` (0..1 weights)."""

    users: pd.Index
    items: pd.Index
    seen: sp.csr_matrix
    recency: sp.csr_matrix


def _codes(values: pd.Series, index: pd.Index | None) -> tuple[np.ndarray, pd.Index]:
    """(position of each value in the index, the index): by default the sorted distinct values."""
    column = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    categories = pd.Index(column.cat.categories, dtype=object)
    if index is None:
        present = np.unique(column.cat.codes.to_numpy())
        index = pd.Index(categories[present[present >= 0]], dtype=object)
    lookup = np.append(index.get_indexer(categories), -1)  # a missing value (code -1) maps to -1
    return lookup[column.cat.codes.to_numpy()], index


def interaction_matrix(
    frame: pd.DataFrame, *, as_of: datetime, half_life_days: float, items: pd.Index | None = None
) -> Interactions:
    """Matrices of `frame` (INTERACTION_COLUMNS); recency = 0.5 ** (days from last_at to as_of / half-life).

    With `items`, pairs of other items are left out and the columns follow `items`.
    """
    columns, items = _codes(frame["item"], items)
    kept = columns >= 0
    rows, users = _codes(frame["user_id"][kept], None)
    columns = columns[kept]
    age_days = (as_of - frame["last_at"][kept]).dt.total_seconds().to_numpy() / 86_400
    weight = np.power(0.5, np.maximum(age_days, 0.0) / half_life_days)
    shape = (len(users), len(items))
    seen = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=shape)
    recency = sp.csr_matrix((weight.astype(np.float32), (rows, columns)), shape=shape)
    return Interactions(users.rename("user_id"), items.rename("item"), seen, recency)


def _check_fitted(model: object) -> None:
    if not hasattr(model, "items_"):
        raise AnalyticsError(
            f"This {type(model).__name__} is not fitted yet: call fit(interactions, as_of=...) first."
        )


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise AnalyticsError(f"The 'k' parameter of recommend must be an int >= 1. Got {k!r} instead.")


def _popular_items(frame: pd.DataFrame, max_items: int) -> pd.Series:
    """Users per item (pairs are unique), most popular first (ties by key), at most `max_items`."""
    counts = frame["item"].value_counts().rename("users").rename_axis("item").reset_index()
    counts = counts[counts["users"] > 0].astype({"item": object})
    counts = counts.sort_values(["users", "item"], ascending=[False, True]).head(max_items)
    return counts.set_index("item")["users"]


class MostPopular:
    """The baseline: every user gets the items most users did, less the ones they did themselves."""

    def __init__(self, *, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items

    def fit(self, frame: pd.DataFrame, *, as_of: datetime) -> MostPopular:
        """Count users per item in `frame` (INTERACTION_COLUMNS) up to `as_of`."""
        popularity = _popular_items(frame, self.max_items)
        self.items_ = pd.Index(popularity.index, name="item")
        self.popularity_ = popularity.to_numpy(dtype=np.float64)
        self.seen_ = interaction_matrix(frame, as_of=as_of, half_life_days=1.0, items=self.items_)
        return self

    def recommend(self, user_ids: list[str], *, k: int = 10) -> pd.DataFrame:
        """Top `k` unseen items per user, most popular first. Columns: RECOMMENDATION_COLUMNS (because empty)."""
        _check_fitted(self)
        _check_k(k)
        return _in_batches(user_ids, len(self.items_), lambda batch: self._recommend_batch(batch, k))

    def _recommend_batch(self, user_ids: list[str], k: int) -> pd.DataFrame:
        scores = np.broadcast_to(self.popularity_, (len(user_ids), len(self.items_))).copy()
        _blank_seen(scores, self.seen_, user_ids)
        return _top_k(user_ids, scores, self.items_, k)


class ItemKNN:
    """Item-based collaborative filtering with cosine similarity and recency-weighted user histories.

    Parameters
    ----------
    half_life_days
        An interaction last done this many days before `as_of` weighs half as much as one done that day.
    max_items
        Only the most popular items (by users) are modelled; rarer ones are neither scored nor used.
    """

    def __init__(self, *, half_life_days: float = 14.0, max_items: int = MAX_ITEMS) -> None:
        self.half_life_days = half_life_days
        self.max_items = max_items

    def fit(self, frame: pd.DataFrame, *, as_of: datetime) -> ItemKNN:
        """Learn item-item similarities from `frame` (INTERACTION_COLUMNS) as of `as_of` (naive UTC)."""
        if not self.half_life_days > 0:
            raise AnalyticsError(
                f"The 'half_life_days' parameter of ItemKNN must be > 0. Got {self.half_life_days!r} instead."
            )
        popularity = _popular_items(frame, self.max_items)
        self.items_ = pd.Index(popularity.index, name="item")
        self.popularity_ = popularity.to_numpy(dtype=np.float64)
        self.history_ = interaction_matrix(
            frame, as_of=as_of, half_life_days=self.half_life_days, items=self.items_
        )
        self.similarity_ = cosine_similarity(self.history_.seen)
        return self

    def recommend(self, user_ids: list[str], *, k: int = 10) -> pd.DataFrame:
        """Top `k` unseen items per user by score; `because` names the done item that adds most to it.

        because_similarity is that item's cosine similarity to the recommended one. Users without
        history get the most popular items (because empty). Columns: RECOMMENDATION_COLUMNS.
        """
        _check_fitted(self)
        _check_k(k)
        return _in_batches(user_ids, len(self.items_), lambda batch: self._recommend_batch(batch, k))

    def _recommend_batch(self, user_ids: list[str], k: int) -> pd.DataFrame:
        rows = self.history_.users.get_indexer(user_ids)
        known = rows >= 0
        weights = np.zeros((len(user_ids), len(self.items_)), dtype=np.float32)
        weights[known] = self.history_.recency[rows[known]].toarray()
        scores = (weights @ self.similarity_).astype(np.float64)
        # Users without history: popularity, scaled below any similarity-based score of the others.
        scores[~known] = self.popularity_ / (self.popularity_.max(initial=1.0) * 1e6)
        _blank_seen(scores, self.history_, user_ids)
        top = _top_k(user_ids, scores, self.items_, k)
        if top.empty:
            return top
        position = pd.Index(user_ids).get_indexer(top["user_id"])
        column = self.items_.get_indexer(top["item"])
        # Each done item's contribution to the recommended item's score; the largest names the reason.
        contribution = weights[position] * self.similarity_[:, column].T
        best = contribution.argmax(axis=1)
        has_reason = contribution[np.arange(len(best)), best] > 0
        top["because"] = np.where(has_reason, self.items_[best], "")
        top["because_similarity"] = np.where(has_reason, self.similarity_[best, column], np.nan)
        return top


def cosine_similarity(seen: sp.csr_matrix) -> np.ndarray:
    """Items × items cosine similarity of the columns of a 0/1 users × items matrix; zero diagonal."""
    norms = np.sqrt(np.asarray(seen.sum(axis=0), dtype=np.float64)).ravel()
    scale = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0))
    normalised = (seen @ scale).tocsc()
    similarity = (normalised.T @ normalised).toarray().astype(np.float32)
    np.fill_diagonal(similarity, 0.0)
    return similarity


def _blank_seen(scores: np.ndarray, history: Interactions, user_ids: list[str]) -> None:
    """Set the scores of items each user already did to -inf (in place)."""
    rows = history.users.get_indexer(user_ids)
    known = np.flatnonzero(rows >= 0)
    seen = history.seen[rows[known]].tocoo()
    scores[known[seen.row], seen.col] = -np.inf


def _in_batches(
    user_ids: list[str], items: int, recommend: Callable[[list[str]], pd.DataFrame]
) -> pd.DataFrame:
    """`recommend` over slices of `user_ids` small enough to keep users × items under BATCH_CELLS."""
    size = max(1, BATCH_CELLS // max(items, 1))
    parts = [recommend(list(user_ids[low : low + size])) for low in range(0, len(user_ids), size)]
    return pd.concat(parts, ignore_index=True) if parts else _top_k([], np.zeros((0, 0)), pd.Index([]), 1)


def _top_k(user_ids: list[str], scores: np.ndarray, items: pd.Index, k: int) -> pd.DataFrame:
    """The `k` best finite scores per row, ranked 1..k (ties within them: the item listed first in `items`)."""
    if 0 < k < scores.shape[1]:
        candidates = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        candidates = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    values = np.take_along_axis(scores, candidates, axis=1)
    within = np.lexsort((candidates, -values), axis=1)[:, :k]
    order = np.take_along_axis(candidates, within, axis=1)
    best = np.take_along_axis(scores, order, axis=1)
    row, rank = np.nonzero(np.isfinite(best))
    return pd.DataFrame(
        {
            "user_id": pd.Series(np.asarray(user_ids, dtype=object)[row], dtype=object),
            "rank": (rank + 1).astype("int64"),
            "item": pd.Series(np.asarray(items, dtype=object)[order[row, rank]], dtype=object),
            "score": best[row, rank].astype("float64"),
            "because": "",
            "because_similarity": np.nan,
        },
        columns=RECOMMENDATION_COLUMNS,
    )
