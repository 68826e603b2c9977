"""Product insights on constructed data: a big, significant change is reported; a tiny one is not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics.errors import PermissionDenied
from analytics.filters import Filters
from analytics.insights import product_insights
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.recommend.loader import at, load

PERIOD = Filters(start=date(2024, 3, 1), end=date(2024, 3, 28))
BEFORE = PERIOD.start - timedelta(days=28)
USERS = 100


def feature_events() -> list[tuple]:
    """100 users, each active once before and once in the period (on the same weekday).

    flashcards: 10 users before, 60 in the period (a big change); search: 30 before, 31 in it (tiny).
    """
    events = []
    for n in range(USERS):
        for start, flash, search in ((BEFORE, n < 10, n < 30), (PERIOD.start, n < 60, n < 31)):
            day = start + timedelta(days=n % 28)
            events.append((f"u{n}", "lesson", at(day), {}))
            if flash:
                events.append((f"u{n}", "feature_use", at(day, 11), {"feature": "flashcards"}))
            if search:
                events.append((f"u{n}", "feature_use", at(day, 12), {"feature": "search"}))
    return events


def test_a_big_change_is_reported_and_a_tiny_one_is_not(db):
    load(db, feature_events())
    found = product_insights(db, SYSTEM, PERIOD, max_items=25)
    flashcards = [insight for insight in found if insight.text.startswith("flashcards")]
    assert len(flashcards) == 1
    insight = flashcards[0]
    assert (
        insight.text == "flashcards was used by 60.0% of active users, up from 10.0% in the previous 28 days"
    )
    assert (insight.value, insight.baseline, insight.effect) == (0.6, 0.1, pytest.approx(5.0))
    assert insight.kind == "feature" and insight.p_value < 0.01
    assert insight.link == "pages/engagement.py?start=2024-03-01&end=2024-03-28&grain=day"
    assert not any(insight.text.startswith("search") for insight in found)
    assert [i.score for i in found] == sorted((i.score for i in found), reverse=True)


def test_members_see_no_product_insights(db):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        product_insights(db, Viewer.for_role("m", "member", user_id="u1"), PERIOD)


def test_generated_data_shows_the_feature_launch(seeded_db):
    found = product_insights(seeded_db, SYSTEM, Filters(start=date(2025, 6, 3), end=date(2025, 6, 30)))
    assert all(insight.p_value < 0.01 and abs(insight.effect) >= 0.05 for insight in found)
    assert all(insight.link.startswith("pages/") for insight in found)
