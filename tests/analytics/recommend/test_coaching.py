"""Coaching rules on constructed peers: each rule fires with its numbers, priority and steps, or stays quiet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics.errors import PermissionDenied
from analytics.recommend.coaching import coaching_recommendations
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.recommend.loader import at, load

AS_OF = date(2024, 3, 28)
START = AS_OF - timedelta(days=27)


def exercise(
    user: str, day: date, minute: int, *, accuracy: float, skill: str, completed: bool = True
) -> tuple:
    return (
        user,
        "exercise",
        at(day, 10, minute),
        {"accuracy": accuracy, "skill": skill, "completed": completed},
    )


def peers_and_me() -> list[tuple]:
    """Six free peers: 12 active days, one exercise at 80% each day, all completed; four used flashcards,
    one used search. 'me': two days of five exercises (grammar 30%, vocabulary 50%), 4 of 10 completed.
    Two pro users form a group too small for peer advice."""
    events = []
    for n in range(6):
        for day in range(12):
            events.append(
                exercise(f"p{n}", START + timedelta(days=2 * day), 0, accuracy=0.8, skill="reading")
            )
        if n < 4:
            events.append((f"p{n}", "feature_use", at(START, 11), {"feature": "flashcards"}))
        if n == 4:
            events.append((f"p{n}", "feature_use", at(START, 11), {"feature": "search"}))
    for minute in range(5):
        events.append(exercise("me", START, minute, accuracy=0.3, skill="grammar", completed=minute < 2))
        events.append(exercise("me", AS_OF, minute, accuracy=0.5, skill="vocabulary", completed=minute < 2))
    for user in ("pro1", "pro2"):
        events.append(exercise(user, AS_OF, 0, accuracy=0.1, skill="grammar"))
    return events


@pytest.fixture
def coached(db):
    load(db, peers_and_me(), users={"pro1": {"plan": "pro"}, "pro2": {"plan": "pro"}})
    return coaching_recommendations(db, SYSTEM, as_of=AS_OF).set_index(["user_id", "item"])


def test_each_rule_fires_for_me_with_its_numbers(coached):
    mine = coached.loc["me"]
    assert list(mine.index) == [
        "Review the grammar lessons",
        "Practise 3 days a week",
        "Finish the exercises you start",
        "Try flashcards",
    ]
    # accuracy 40% vs the p25 of (40%, 80% × 6) = 80%: shortfall 0.5 ≥ 0.25 → severity 1 → 100 × 1.0
    accuracy = mine.loc["Review the grammar lessons"]
    assert accuracy["recommendation_type"] == "improvement"
    assert accuracy["priority_score"] == 100.0
    assert (
        "40.0% on 10 answers, below the 25th percentile of active free users (80.0%, 6 peers)"
        in accuracy["reason"]
    )
    assert "weakest skill is grammar (30.0% on 5 answers)" in accuracy["reason"]
    assert accuracy["actionable_items"][0] == "Redo two grammar lessons at level 1"
    # 2 active days in 4 weeks = 0.5 a week; peers' median 3: 100 × 0.9 × (3 − 0.5) / 3 = 75
    practice = mine.loc["Practise 3 days a week"]
    assert (practice["recommendation_type"], practice["priority_score"]) == ("behaviour", 75.0)
    assert "2 of the last 28 days (0.5 a week)" in practice["reason"]
    assert "practised on 3.0 days a week or more" in practice["reason"]
    # completion 40% vs p25 100%: shortfall 0.6 ≥ 0.5 → 100 × 0.7
    assert mine.loc["Finish the exercises you start", "priority_score"] == 70.0
    # flashcards: 4 of the 7 active free users (57%): 100 × 0.5 × min(0.571 / 0.5, 1) = 50; search (1 of 7) is too rare
    flashcards = mine.loc["Try flashcards"]
    assert flashcards["priority_score"] == 50.0
    assert flashcards["reason"].startswith(
        "57% of the 7 active free users used flashcards in the last 4 weeks"
    )
    assert all(isinstance(step, str) for step in flashcards["actionable_items"])


def test_peers_at_the_benchmark_get_no_advice_and_small_groups_none(coached):
    assert "p0" not in coached.index.get_level_values("user_id")  # used flashcards, at the benchmark
    assert list(coached.loc["p4"].index) == ["Try flashcards"]
    assert "pro1" not in coached.index.get_level_values("user_id")  # one peer only


def test_only_the_users_asked_for(db):
    load(db, peers_and_me())
    found = coaching_recommendations(db, SYSTEM, as_of=AS_OF, user_ids=["me"])
    assert set(found["user_id"]) == {"me"}


def test_members_may_not_generate(db):
    with pytest.raises(PermissionDenied, match="GENERATE_RECOMMENDATIONS"):
        coaching_recommendations(db, Viewer.for_role("m", "member", user_id="me"), as_of=AS_OF)
