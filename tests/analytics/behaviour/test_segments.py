"""Behavioural segments: two clearly different groups are found, described and numbered the same way."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.behaviour import segments
from analytics.behaviour.segments import behaviour_segments
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.viewer import SYSTEM

PERIOD = Filters(start=date(2024, 1, 1), end=date(2024, 1, 28), grain="week")
TODAY = date(2024, 2, 1)
KEEN = [f"k{n:02d}" for n in range(12)]
LIGHT = [f"l{n:02d}" for n in range(12)]


def _events() -> list[tuple]:
    """Keen users practise daily, twice a day, with many features; light users look in once or twice."""
    events = []
    for n, user in enumerate(KEEN):
        for day in range(24 + n % 5):
            for hour in (8, 19):
                start = f"2024-01-{day + 1:02d} {hour:02d}"
                session = f"{user}-{day}-{hour}"
                events.append((user, "session_start", f"{start}:00", session))
                for minute, feature in ((3, "search"), (6, "notes"), (9, "review")):
                    answer = {"accuracy": 0.85 + 0.01 * n, "feature": feature}
                    events.append((user, "exercise", f"{start}:{minute:02d}", session, answer))
    for n, user in enumerate(LIGHT):
        for day in (date(2024, 1, 2), date(2024, 1, 11)):
            session = f"{user}-{day}"
            events.append((user, "session_start", f"{day} 12:00:00", session))
            events.append((user, "lesson", f"{day} 12:00:{20 + 3 * n:02d}", session))
    return events


@pytest.fixture
def filled(load):
    return load(_events())


def test_two_separated_groups_are_found(filled):
    result = behaviour_segments(filled, SYSTEM, PERIOD, k_range=range(2, 7), today=TODAY)
    assert result.k == 2
    assert result.silhouettes["k"].tolist() == [2, 3, 4, 5, 6]
    best = result.silhouettes.loc[result.silhouettes["silhouette"].idxmax()]
    assert (best["k"], best["chosen"]) == (2, True)
    members = result.assignments.groupby("segment")["user_id"].apply(sorted).to_dict()
    assert members == {1: KEEN, 2: LIGHT}
    assert result.segments[["segment", "users", "share"]].values.tolist() == [[1, 12, 0.5], [2, 12, 0.5]]
    # Every feature separates the groups equally well, so each description names three "high" or "low" words.
    high, low = ({words[i] for words in segments.FEATURES.values()} for i in (0, 1))
    assert set(result.segments.loc[0, "description"].split(", ")) <= high
    assert set(result.segments.loc[1, "description"].split(", ")) <= low
    profile = result.profile.set_index(["segment", "feature"])["z"]
    assert profile[(1, "active_days")] > 0.5 > -0.5 > profile[(2, "active_days")]


def test_segment_trend_counts_active_members_per_week(filled):
    trend = behaviour_segments(filled, SYSTEM, PERIOD, k_range=[2], today=TODAY).trend
    weekly = trend.pivot(index="period", columns="segment", values="active_users")
    # Keen users are active in every week; light users on 2 and 11 January.
    assert weekly[1].tolist() == [12, 12, 12, 12]
    assert weekly[2].tolist() == [12, 12, 0, 0]
    assert trend["complete"].all()


def test_same_seed_same_segments(filled):
    first = behaviour_segments(filled, SYSTEM, PERIOD, today=TODAY)
    again = behaviour_segments(filled, SYSTEM, PERIOD, today=TODAY)
    pd.testing.assert_frame_equal(first.assignments, again.assignments)
    pd.testing.assert_frame_equal(first.silhouettes, again.silhouettes)


def test_samples_fit_and_score_when_users_are_many(filled, monkeypatch):
    monkeypatch.setattr(segments, "FIT_SAMPLE_USERS", 16)
    monkeypatch.setattr(segments, "SILHOUETTE_SAMPLE_USERS", 10)
    result = behaviour_segments(filled, SYSTEM, PERIOD, k_range=range(2, 5), today=TODAY)
    assert (result.fit_users, result.silhouette_users) == (16, 10)
    members = result.assignments.groupby("segment")["user_id"].apply(sorted).to_dict()
    assert members == {1: KEEN, 2: LIGHT}


@pytest.mark.parametrize(
    ("z", "words"),
    [
        ({"active_days": 1.2, "accuracy": -0.8, "feature_breadth": 0.3}, "many active days, low accuracy"),
        (
            {"exercise_share": -0.5, "mean_session_duration_s": 2.0, "active_days": 0.6, "accuracy": 0.9},
            "long sessions, high accuracy, many active days",
        ),
        ({"active_days": 0.2, "accuracy": -0.49}, "close to the average on every feature"),
    ],
)
def test_descriptions_name_the_most_distinctive_features(z, words):
    assert segments._describe(pd.Series(z)) == words


@pytest.mark.parametrize(
    ("k_range", "message"),
    [
        ([1, 2], r"'k_range' parameter of behaviour_segments must hold integers >= 2. Got \[1, 2\]"),
        ([], r"must hold integers >= 2. Got \[\]"),
        ([30, 40], "need more active users than the smallest k \\(30\\); the filters leave 24"),
    ],
)
def test_bad_k_range(filled, k_range, message):
    with pytest.raises(AnalyticsError, match=message):
        behaviour_segments(filled, SYSTEM, PERIOD, k_range=k_range)


def test_members_may_not_see_segments(db, member):
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        behaviour_segments(db, member, PERIOD)
