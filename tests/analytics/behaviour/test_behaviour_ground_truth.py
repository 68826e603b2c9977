"""On the generated data set: the behaviour figures recover what the generator put in."""

from __future__ import annotations

from datetime import date

from analytics.behaviour.consistency import consistency, consistency_summary
from analytics.behaviour.heatmap import activity_heatmap
from analytics.behaviour.segments import behaviour_segments
from analytics.behaviour.sessions import session_stats
from analytics.filters import Filters
from analytics.viewer import SYSTEM

QUARTER = Filters(start=date(2025, 4, 1), end=date(2025, 6, 30), grain="week")


def test_power_users_land_in_the_most_active_segment(seeded_db):
    result = behaviour_segments(seeded_db, SYSTEM, QUARTER, today=date(2025, 7, 1))
    # Ground truth is read here, in the test, only: the analytics never see it.
    power = seeded_db.query("SELECT user_id FROM ground_truth_users WHERE archetype = 'power'")["user_id"]
    placed = result.assignments[result.assignments["user_id"].isin(power)]
    most_active = result.segments.loc[result.segments["active_days"].idxmax(), "segment"]
    assert most_active == 1
    assert len(placed) >= 5
    assert (placed["segment"] == most_active).mean() >= 0.8


def test_figures_agree_with_each_other(seeded_db):
    heatmap = activity_heatmap(seeded_db, SYSTEM, QUARTER)
    sessions = session_stats(seeded_db, SYSTEM, QUARTER, today=date(2025, 7, 1))
    assert heatmap["sessions"].sum() == sessions.sessions == sessions.trend["sessions"].sum()
    assert sessions.duration_histogram["sessions"].sum() == sessions.sessions
    per_user = consistency(seeded_db, SYSTEM, QUARTER)
    assert consistency_summary(per_user).users == len(per_user) > 100
    assert (per_user["share_weeks_active"].between(0, 1)).all()
    assert (per_user["longest_streak_days"] <= per_user["active_days"]).all()
