"""Hit-rate@k on a time split: by hand, on a constructed case with a known answer, and on generated data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.recommend.evaluate import evaluate_recommender, held_out_items, hit_rate
from analytics.seed import generate
from analytics.viewer import SYSTEM
from tests.analytics.recommend.loader import at, load


def test_hit_rate_by_hand():
    recommended = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "rank": [1, 2, 1], "item": ["B", "A", "D"]})
    held_out = pd.DataFrame({"user_id": ["u1", "u2", "u3"], "item": ["A", "C", "A"]})
    assert hit_rate(recommended, held_out, k=1) == 0.0
    assert hit_rate(recommended, held_out, k=2) == pytest.approx(1 / 3)  # u1 hits at rank 2; u3 has no list
    assert hit_rate(recommended, held_out.iloc[0:0], k=2) == 0.0


def test_held_out_items_are_new_known_items_of_known_users():
    train = pd.DataFrame({"user_id": ["u1", "u2"], "item": ["A", "B"]})
    later = pd.DataFrame({"user_id": ["u1", "u1", "u1", "u3"], "item": ["A", "B", "Z", "B"]})
    # u1's A was seen before, Z is unknown to the models, u3 has no history.
    assert held_out_items(train, later).to_dict("records") == [{"user_id": "u1", "item": "B"}]


def test_constructed_case_where_similarity_wins(db):
    before, after = dt.date(2024, 3, 1), dt.date(2024, 3, 10)
    events = [(f"p{n}", "lesson", at(before), {"content_id": "popular"}) for n in range(6)]
    for n in range(3):  # x and y go together
        events += [
            (f"s{n}", "lesson", at(before), {"content_id": "x"}),
            (f"s{n}", "lesson", at(before, 11), {"content_id": "y"}),
        ]
    for user in ("t1", "t2"):  # did x before the cut, y after it
        events += [
            (user, "lesson", at(before), {"content_id": "x"}),
            (user, "lesson", at(after), {"content_id": "y"}),
        ]
    load(db, events)
    quality = evaluate_recommender(db, SYSTEM, cut=dt.date(2024, 3, 5), test_days=7, k=1)
    # Both models see popular (6 users) above y (3); only similarity ranks y, done with x, first.
    assert (quality.users, quality.hit_rate, quality.baseline_hit_rate) == (2, 1.0, 0.0)
    assert quality.lift_pct is None
    assert "hit-rate@1 100.0% vs most-popular 0.0%" in str(quality)


def test_beats_most_popular_by_a_fifth_on_generated_data(db):
    generate(db, users=1_500, days=300, seed=42, end_date=dt.date(2025, 6, 30))
    quality = evaluate_recommender(db, SYSTEM, k=10)
    assert quality.cut == dt.date(2025, 6, 3)
    assert quality.users > 400
    assert quality.lift_pct >= 20, str(quality)
