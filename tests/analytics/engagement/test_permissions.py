"""Every engagement figure describes other users: members are refused, product managers allowed."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import engagement
from analytics.engagement.activity import activity_types
from analytics.errors import PermissionDenied
from analytics.filters import Filters
from analytics.viewer import Viewer

WEEK = Filters(start=date(2024, 1, 1), end=date(2024, 1, 7))
CALLS = {
    "retention_matrix": lambda db, viewer: engagement.retention_matrix(db, viewer, WEEK),
    "retention_users": lambda db, viewer: engagement.retention_users(
        db, viewer, WEEK, cohort=WEEK.start, period_number=0
    ),
    "lifecycle": lambda db, viewer: engagement.lifecycle(db, viewer, WEEK),
    "stickiness": lambda db, viewer: engagement.stickiness(db, viewer, WEEK),
    "dau_mau": lambda db, viewer: engagement.dau_mau(db, viewer, WEEK),
    "engagement_scores": lambda db, viewer: engagement.engagement_scores(db, viewer, WEEK),
    "engagement_distribution": lambda db, viewer: engagement.engagement_distribution(db, viewer, WEEK),
    "feature_adoption": lambda db, viewer: engagement.feature_adoption(db, viewer, WEEK),
    "time_to_adopt": lambda db, viewer: engagement.time_to_adopt(db, viewer, WEEK),
    "activity_types": activity_types,
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_members_are_refused(db, name):
    member = Viewer.for_role("mia", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="needs the VIEW_OTHER_USER_ANALYTICS permission"):
        CALLS[name](db, member)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_product_managers_are_allowed(db, name):
    CALLS[name](db, Viewer.for_role("pm", "product_manager"))


def test_activity_types_lists_the_types_in_the_data(load):
    db = load([("a", "lesson", "2024-01-01 10:00", "s"), ("a", "quiz", "2024-01-01 10:05", "s")])
    assert activity_types(db, Viewer.for_role("pm", "product_manager")) == ["lesson", "quiz"]
