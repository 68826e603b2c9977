"""Item-item cosine similarity, recency weighting and the most-popular baseline on a three-item matrix."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.recommend.implicit import (
    ItemKNN,
    MostPopular,
    cosine_similarity,
    interaction_matrix,
    load_interactions,
)
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.recommend.loader import at, load

AS_OF = datetime(2024, 3, 29)
RECENT, TWO_WEEKS_AGO = datetime(2024, 3, 28, 23), datetime(2024, 3, 15)
HOUR_OLD = 0.5 ** (1 / 24 / 14)
"""The recency weight of an interaction one hour before as_of with a 14-day half-life."""


def interactions(rows: list[tuple[str, str, datetime]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "item", "last_at"])
    return frame.assign(events=1, first_at=frame["last_at"])[
        ["user_id", "item", "events", "first_at", "last_at"]
    ]


# a did x (two weeks ago) and y; b did x, y and z; c did y.
MATRIX = interactions(
    [
        ("a", "content:x", TWO_WEEKS_AGO),
        ("a", "content:y", RECENT),
        ("b", "content:x", RECENT),
        ("b", "content:y", RECENT),
        ("b", "feature:z", RECENT),
        ("c", "content:y", RECENT),
    ]
)


def test_cosine_similarity_by_hand():
    seen = interaction_matrix(MATRIX, as_of=AS_OF, half_life_days=14).seen
    # Columns x = (1, 1, 0), y = (1, 1, 1), z = (0, 1, 0) over users a, b, c.
    expected = np.array(
        [
            [0.0, 2 / math.sqrt(6), 1 / math.sqrt(2)],
            [2 / math.sqrt(6), 0.0, 1 / math.sqrt(3)],
            [1 / math.sqrt(2), 1 / math.sqrt(3), 0.0],
        ]
    )
    np.testing.assert_allclose(cosine_similarity(seen), expected, rtol=1e-6)


def test_recency_halves_the_weight_after_one_half_life():
    weights = interaction_matrix(MATRIX, as_of=AS_OF, half_life_days=14).recency.toarray()
    assert weights[0, 0] == pytest.approx(0.5 ** (14.0 / 14), rel=1e-3)  # a's x, 14 days before
    assert weights[0, 1] == pytest.approx(HOUR_OLD, rel=1e-6)  # a's y, an hour before


def test_item_knn_ranks_unseen_items_and_names_the_reason():
    model = ItemKNN(half_life_days=14).fit(MATRIX, as_of=AS_OF)
    found = model.recommend(["c", "a", "b", "newcomer"], k=2).set_index(["user_id", "rank"])
    # c did y an hour ago: x scores cos(x, y) = 0.816, z scores cos(y, z) = 0.577 (times its weight).
    assert found.loc[("c", 1), "item"] == "content:x"
    assert found.loc[("c", 1), "score"] == pytest.approx(HOUR_OLD * 2 / math.sqrt(6), rel=1e-6)
    assert found.loc[("c", 2), "item"] == "feature:z"
    assert found.loc[("c", 1), "because"] == "content:y"
    # a: z = 0.5 · cos(x, z) + 0.998 · cos(y, z) = 0.354 + 0.576; y (recent) adds more than x (old).
    assert found.loc[("a", 1), "item"] == "feature:z"
    assert found.loc[("a", 1), "score"] == pytest.approx(
        0.5 / math.sqrt(2) + HOUR_OLD / math.sqrt(3), rel=1e-6
    )
    assert found.loc[("a", 1), "because"] == "content:y"
    assert found.loc[("a", 1), "because_similarity"] == pytest.approx(1 / math.sqrt(3), rel=1e-6)
    assert ("a", 2) not in found.index  # nothing else is left for a
    assert "b" not in found.index.get_level_values(0)  # b did everything
    # Without history: the most popular items (y by 3 users, then x by 2), with no reason.
    assert found.loc[("newcomer", 1), "item"] == "content:y"
    assert found.loc[("newcomer", 2), "item"] == "content:x"
    assert found.loc[("newcomer", 1), "because"] == ""


def test_most_popular_skips_what_each_user_did():
    found = MostPopular().fit(MATRIX, as_of=AS_OF).recommend(["a", "c"], k=3)
    assert found.groupby("user_id")["item"].apply(list).to_dict() == {
        "a": ["feature:z"],
        "c": ["content:x", "feature:z"],
    }


def test_bad_parameters_are_explained():
    with pytest.raises(AnalyticsError, match="'half_life_days' parameter of ItemKNN must be > 0. Got 0"):
        ItemKNN(half_life_days=0).fit(MATRIX, as_of=AS_OF)
    with pytest.raises(AnalyticsError, match="not fitted yet"):
        ItemKNN().recommend(["a"])
    with pytest.raises(AnalyticsError, match="'k' parameter of recommend must be an int >= 1. Got 0"):
        MostPopular().fit(MATRIX, as_of=AS_OF).recommend(["a"], k=0)


def test_interactions_come_from_content_ids_and_features_of_consenting_users(db):
    day = date(2024, 3, 1)
    load(
        db,
        [
            ("a", "lesson", at(day), {"content_id": "lesson-01-01"}),
            ("a", "lesson", at(day, 11), {"content_id": "lesson-01-01"}),
            ("a", "feature_use", at(day, 12), {"feature": "flashcards"}),
            ("a", "session_start", at(day, 9), {}),
            ("a", "exercise", at(date(2024, 3, 5)), {"content_id": "ex-01-001"}),
            ("gone", "lesson", at(day), {"content_id": "lesson-01-01"}),
        ],
        withdrawn=("gone",),
    )
    found = load_interactions(db, SYSTEM, before=datetime(2024, 3, 2)).sort_values("item", ignore_index=True)
    assert found[["user_id", "item", "events"]].to_dict("records") == [
        {"user_id": "a", "item": "content:lesson-01-01", "events": 2},
        {"user_id": "a", "item": "feature:flashcards", "events": 1},
    ]
    assert found.loc[0, "first_at"] == pd.Timestamp("2024-03-01 10:00")
    assert found.loc[0, "last_at"] == pd.Timestamp("2024-03-01 11:00")
    with pytest.raises(PermissionDenied, match="GENERATE_RECOMMENDATIONS"):
        load_interactions(db, Viewer.for_role("m", "member", user_id="a"))
