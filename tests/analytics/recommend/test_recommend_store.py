"""A stored batch of recommendations on generated data: replaced when rerun, statuses and who may change them."""

from __future__ import annotations

import pytest

from analytics.errors import AnalyticsError, NotFoundError, PermissionDenied
from analytics.recommend import (
    build_recommendations,
    generate_recommendations,
    read_recommendations,
    set_recommendation_status,
)
from analytics.recommend.generate import OUTPUT_COLUMNS
from analytics.viewer import SYSTEM, Viewer


def member(user_id: str) -> Viewer:
    return Viewer.for_role(f"member-{user_id}", "member", user_id=user_id)


@pytest.fixture
def stored(seeded_db):
    found = generate_recommendations(seeded_db, SYSTEM, k=5)
    return seeded_db, found


def test_a_batch_gives_each_active_user_up_to_k_ranked_recommendations(stored):
    db, found = stored
    assert list(found.columns) == OUTPUT_COLUMNS
    per_user = found.groupby("user_id")["rank"].agg(["min", "max", "count"])
    assert (per_user["min"] == 1).all() and (per_user["count"] <= 5).all()
    assert (per_user["max"] == per_user["count"]).all()
    assert set(found["recommendation_type"]) >= {"content", "behaviour"}
    ordered = found.groupby("user_id")["score"].apply(lambda scores: scores.is_monotonic_decreasing)
    assert ordered.all()
    assert db.scalar("SELECT count(*) FROM recommendations WHERE status = 'open'") == len(found)
    assert all(found["actionable_items"].map(lambda steps: len(steps) >= 1))


def test_rerunning_replaces_open_ones_and_keeps_done_and_dismissed(stored):
    db, found = stored
    user = found["user_id"].iloc[0]
    first, second = found[found["user_id"] == user]["recommendation_id"].iloc[:2]
    set_recommendation_status(db, member(user), first, "done")
    set_recommendation_status(db, member(user), second, "dismissed")
    dismissed = read_recommendations(db, SYSTEM, user_id=user, status="dismissed").iloc[0]
    again = generate_recommendations(db, SYSTEM, k=5, user_ids=[user])
    history = read_recommendations(db, member(user), user_id=user)
    assert history["status"].value_counts().to_dict() == {"open": len(again), "done": 1, "dismissed": 1}
    assert history["status"].iloc[0] == "open"  # open ones first
    assert history.loc[history["status"] == "done", "status_changed_at"].notna().all()
    assert (dismissed["recommendation_type"], dismissed["item"]) not in set(
        zip(again["recommendation_type"], again["item"], strict=True)
    )  # not proposed again


def test_who_may_change_a_status(stored):
    db, found = stored
    owner, other = found["user_id"].unique()[:2]
    recommendation = found[found["user_id"] == owner]["recommendation_id"].iloc[0]
    with pytest.raises(PermissionDenied, match="GENERATE_RECOMMENDATIONS"):
        set_recommendation_status(db, member(other), recommendation, "dismissed")
    set_recommendation_status(db, Viewer.for_role("pm", "product_manager"), recommendation, "dismissed")
    set_recommendation_status(db, member(owner), recommendation, "open")
    assert (
        read_recommendations(db, SYSTEM, user_id=owner, status="open")["recommendation_id"]
        .eq(recommendation)
        .any()
    )
    with pytest.raises(AnalyticsError, match="status must be one of open, done, dismissed. Got 'later'"):
        set_recommendation_status(db, member(owner), recommendation, "later")
    with pytest.raises(NotFoundError, match="No recommendation has the id 'nope'"):
        set_recommendation_status(db, SYSTEM, "nope", "done")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        read_recommendations(db, member(other), user_id=owner)


def test_options_are_checked(seeded_db):
    with pytest.raises(
        AnalyticsError, match=r"'k' option of generate_recommendations must be an int in \[1, 100\]"
    ):
        generate_recommendations(seeded_db, SYSTEM, k=0)
    with pytest.raises(NotFoundError, match="Unknown user ids: nobody"):
        generate_recommendations(seeded_db, SYSTEM, user_ids=["nobody"])
    with pytest.raises(PermissionDenied, match="GENERATE_RECOMMENDATIONS"):
        generate_recommendations(seeded_db, member("u000001"))


def test_a_built_batch_reports_the_item_model_quality_and_writes_nothing(seeded_db):
    batch = build_recommendations(seeded_db, SYSTEM, k=3, evaluate=True)
    assert seeded_db.scalar("SELECT count(*) FROM recommendations") == 0
    assert batch.quality["recommendations"] == len(batch.recommendations)
    assert batch.evaluation is not None and batch.quality["item_model"]["k"] == 10
    assert 0 <= batch.evaluation.baseline_hit_rate <= 1 and batch.evaluation.users > 0
