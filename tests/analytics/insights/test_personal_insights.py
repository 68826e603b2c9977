"""Personal insights: a user's own change, tested, and where they stand among peers; members see their own only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics.errors import PermissionDenied
from analytics.filters import Filters
from analytics.insights import personal_insights
from analytics.viewer import Viewer
from tests.analytics.recommend.loader import at, load

PERIOD = Filters(start=date(2024, 3, 1), end=date(2024, 3, 28))


def events() -> list[tuple]:
    """'me': 4 days of 10 exercises at 50% in February, then 4 days of 10 at 90% in March.
    Six peers on the same plan: one exercise at 70% on one day in March."""
    found = []
    for start, accuracy in ((date(2024, 2, 2), 0.5), (PERIOD.start, 0.9)):
        for day in range(4):
            found += [
                ("me", "exercise", at(start + timedelta(days=day), 10, minute), {"accuracy": accuracy})
                for minute in range(10)
            ]
    found += [
        (f"p{n}", "exercise", at(PERIOD.start + timedelta(days=n)), {"accuracy": 0.7}) for n in range(6)
    ]
    return found


def test_own_change_and_standing_among_peers(db):
    load(db, events())
    member = Viewer.for_role("me", "member", user_id="me")
    found = {insight.kind: insight for insight in personal_insights(db, member, "me", PERIOD)}
    accuracy = found["personal_accuracy"]
    # 36 of 40 against 20 of 40: z = 0.4 / √(0.7 · 0.3 · 2/40) = 3.90
    assert (
        accuracy.text == "Your accuracy rose to 90.0% from 50.0% in the previous 28 days (40 vs 40 answers)"
    )
    assert accuracy.value == pytest.approx(0.9) and accuracy.baseline == pytest.approx(0.5)
    assert accuracy.p_value < 0.01
    assert "personal_activity" not in found  # 4 days, as usual
    peer = next(insight for insight in found.values() if insight.kind == "peer")
    assert peer.p_value is None and peer.link.startswith("pages/compare.py?") and "users=me" in peer.link
    texts = [insight.text for insight in personal_insights(db, member, "me", PERIOD)]
    assert "Active days: 4, higher than 100% of your 6 peers (same plan; median 1)" in texts
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        personal_insights(db, member, "p0", PERIOD)
