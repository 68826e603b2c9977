"""The user explorer's data: search, profile, activity, timeline and peers against hand-computed answers."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest

from analytics import rollups
from analytics.engagement.score import engagement_scores, user_engagement_score
from analytics.errors import AnalyticsError, ConsentWithdrawn, NotFoundError, PermissionDenied
from analytics.filters import Filters
from analytics.users import (
    EXCLUDED,
    find_users,
    peer_summary,
    user_activity,
    user_profile,
    user_timeline,
)
from analytics.viewer import Viewer

PM = Viewer.for_role("pm", "product_manager")
ALICE = Viewer.for_role("alice-account", "member", user_id="alice")
MARCH = Filters(start=date(2024, 3, 1), end=date(2024, 3, 31))

# user_id, display_name, email, plan, country, platform, consent
USERS = [
    ("alice", "Alice Smith", "alice@example.com", "pro", "DE", "ios", True),
    ("alfred", "Alfred Jones", "al@corp.example", "free", "US", "web", True),
    ("bob", "Bob Alison", "bob@example.com", "free", "DE", "android", True),
    ("carol", "Carol Al", "carol@example.com", "free", "DE", "web", False),
    ("Al-7", "Zed", "zed@example.com", "free", "US", "web", True),
    *[(f"p{n}", f"Peer {n}", None, "pro" if n >= 4 else "free", "US", "web", True) for n in range(1, 6)],
]

# user_id, activity_type, timestamp UTC, session_id, properties
EVENTS = [
    ("alice", "lesson", "2024-03-01 09:00", "s1", {"duration_s": 300, "content_id": "l1", "level": 2}),
    (
        "alice",
        "exercise",
        "2024-03-01 09:05",
        "s1",
        {"accuracy": 0.5, "completed": True, "duration_s": 60, "level": 2, "skill": "grammar"},
    ),
    (
        "alice",
        "exercise",
        "2024-03-02 10:00",
        "s2",
        {"accuracy": 1.0, "completed": False, "duration_s": 30, "level": 3},
    ),
    ("alice", "feature_use", "2024-03-02 10:01", "s2", {"feature": "hints"}),
    ("alice", "lesson", "2024-03-03 20:00", "s3", {}),
    ("alice", "exercise", "2024-03-05 07:00", "s4", {"accuracy": 0.75, "level": 1}),
    ("bob", "lesson", "2024-03-01 12:00", "b1", {}),
    ("carol", "lesson", "2024-03-01 12:00", "c1", {}),
    # Peer pN is active on N days (one session a day).
    *[
        ("p" + str(n), "lesson", f"2024-03-0{day} 08:00", f"p{n}-{day}", {})
        for n in range(1, 6)
        for day in range(1, n + 1)
    ],
]


@pytest.fixture
def filled(db):
    users = pd.DataFrame(
        USERS, columns=["user_id", "display_name", "email", "plan", "country", "platform", "consent"]
    )
    users["signup_at"] = pd.Timestamp("2024-01-01 08:00")
    events = pd.DataFrame(
        EVENTS, columns=["user_id", "activity_type", "timestamp", "session_id", "properties"]
    )
    events["event_id"] = [f"e{n}" for n in range(len(events))]
    events["properties"] = events["properties"].map(json.dumps)
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, display_name, email, plan, country, platform, consent_analytics, signup_at) "
            "SELECT user_id, display_name, email, plan, country, platform, consent, signup_at FROM new_users"
        )
        cursor.register("new_events", events)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, session_id, properties::JSON, "
            "TIMESTAMP '2024-03-06' FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")
    return db


def found_ids(db, text, **options):
    return find_users(db, PM, text, **options).users["user_id"].tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("al", ["Al-7", "alfred", "alice", "bob"]),  # ids, and "Alison" is a word of Bob's name
        ("AL", ["Al-7", "alfred", "alice", "bob"]),
        ("ALICE@", ["alice"]),
        ("al@corp", ["alfred"]),
        ("smith", ["alice"]),
        ("  bob ", ["bob"]),
        ("lice", []),  # prefixes only
        ("", []),
    ],
)
def test_search_by_id_name_or_email_prefix(filled, text, expected):
    assert found_ids(filled, text) == expected


def test_exact_id_comes_first_and_the_limit_holds(filled):
    assert found_ids(filled, "p")[:1] == ["p1"]
    limited = find_users(filled, PM, "p", limit=2)
    assert limited.users["user_id"].tolist() == ["p1", "p2"]
    assert limited.more
    assert find_users(filled, PM, "p").users.shape[0] == 5
    assert not find_users(filled, PM, "p").more
    assert found_ids(filled, "alice") == ["alice"]


def test_withdrawn_users_are_excluded_and_an_exact_id_says_so(filled):
    assert "carol" not in found_ids(filled, "c") + found_ids(filled, "al")
    exact = find_users(filled, PM, "Carol")
    assert exact.users.empty
    assert exact.note == EXCLUDED == "excluded: consent withdrawn"
    assert find_users(filled, PM, "car").note is None


@pytest.mark.parametrize("text", ["'; DROP TABLE users; --", "%", "_", "a%", "\\", "' OR 1=1 --", '"'])
def test_injection_strings_are_plain_text(filled, text):
    assert found_ids(filled, text) == []
    assert filled.scalar("SELECT count(*) FROM users") == len(USERS)


def test_search_options_are_checked(filled):
    with pytest.raises(AnalyticsError, match="'limit' option of find_users must be an int in"):
        find_users(filled, PM, "a", limit=0)
    with pytest.raises(AnalyticsError, match="at most 200 characters. Got 201"):
        find_users(filled, PM, "a" * 201)
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        find_users(filled, ALICE, "a")


def test_profile_figures(filled):
    profile = user_profile(filled, PM, "alice")
    assert (profile.display_name, profile.email, profile.plan, profile.country, profile.platform) == (
        "Alice Smith",
        "alice@example.com",
        "pro",
        "DE",
        "ios",
    )
    assert profile.signup_at == datetime(2024, 1, 1, 8, 0)
    assert profile.first_activity_at == datetime(2024, 3, 1, 9, 0)
    assert profile.last_activity_at == datetime(2024, 3, 5, 7, 0)
    assert (profile.lifetime_events, profile.lifetime_sessions, profile.lifetime_active_days) == (6, 4, 4)
    # Level 3 on 2 March, but the last day with a level (5 March) reached only 1.
    assert (profile.skill_level, profile.skill_level_day) == (1, date(2024, 3, 5))
    # As of 5 March (the last day with data): recency 1, frequency 4/20, breadth 1/5 (hints),
    # depth 6 events / 4 sessions = 1.5 → 0.075: 100 × (0.25 + 0.08 + 0.04 + 0.01125) = 38.1.
    assert (profile.engagement_score, profile.engagement_band, profile.score_as_of) == (
        38,
        "medium",
        date(2024, 3, 5),
    )


def test_profile_score_as_of_an_earlier_day(filled):
    profile = user_profile(filled, PM, "alice", as_of=date(2024, 3, 4))
    # Days 1-3 March: recency 1 - 1/28, frequency 3/20, breadth 1/5, depth 5/3 events a session → 35.4.
    assert (profile.engagement_score, profile.engagement_band) == (35, "medium")
    assert user_profile(filled, PM, "alice", as_of=date(2024, 2, 1)).engagement_score is None


def test_one_users_score_is_the_score_among_everyone(filled):
    as_of = date(2024, 3, 5)
    everyone = engagement_scores(filled, PM, MARCH, as_of=as_of).set_index("user_id")
    for user, expected in everyone.iterrows():
        assert user_engagement_score(filled, PM, user, as_of=as_of).drop("user_id").equals(expected)
    assert user_engagement_score(filled, PM, "alfred", as_of=as_of) is None
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        user_engagement_score(filled, ALICE, "bob", as_of=as_of)


def test_profile_of_a_user_without_activity(filled):
    profile = user_profile(filled, PM, "alfred")
    assert (profile.lifetime_events, profile.lifetime_sessions, profile.lifetime_active_days) == (0, 0, 0)
    assert profile.first_activity_at is None and profile.skill_level is None
    assert profile.engagement_score is None and profile.engagement_band is None


def test_activity_per_day_and_type(filled):
    frame = user_activity(filled, PM, "alice", Filters(start=date(2024, 3, 2), end=date(2024, 3, 5)))
    expected = pd.DataFrame(
        {
            "day": [date(2024, 3, 2), date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 5)],
            "activity_type": ["exercise", "feature_use", "lesson", "exercise"],
            "events": [1, 1, 1, 1],
        }
    )
    pd.testing.assert_frame_equal(frame, expected)
    only = user_activity(
        filled, PM, "alice", Filters(start=date(2024, 3, 1), end=date(2024, 3, 1), activity_types=("lesson",))
    )
    assert only[["activity_type", "events"]].values.tolist() == [["lesson", 1]]


def test_timeline_pages_newest_sessions_first(filled):
    first = user_timeline(filled, PM, "alice", MARCH, sessions_per_page=3)
    assert (first.total_sessions, first.page, first.pages) == (4, 1, 2)
    assert first.sessions["session_id"].tolist() == ["s4", "s3", "s2"]
    assert first.sessions["event_count"].tolist() == [1, 1, 2]
    assert first.events.groupby("session_id").size().to_dict() == {"s2": 2, "s3": 1, "s4": 1}
    second = user_timeline(filled, PM, "alice", MARCH, sessions_per_page=3, page=2)
    assert second.sessions["session_id"].tolist() == ["s1"]
    assert second.sessions["duration_s"].tolist() == [300.0]  # the last event's own duration is longer
    assert second.events["activity_type"].tolist() == ["lesson", "exercise"]
    assert second.events["at"].tolist() == [
        pd.Timestamp("2024-03-01 09:00"),
        pd.Timestamp("2024-03-01 09:05"),
    ]
    assert second.events["details"].tolist() == [
        "content_id=l1, level=2, duration_s=300",
        "skill=grammar, level=2, accuracy=0.5, completed=true, duration_s=60",
    ]


def test_timeline_with_activity_types_and_a_short_period(filled):
    exercises = user_timeline(
        filled,
        PM,
        "alice",
        Filters(start=date(2024, 3, 1), end=date(2024, 3, 31), activity_types=("exercise",)),
    )
    assert exercises.sessions["session_id"].tolist() == ["s4", "s2", "s1"]
    assert exercises.sessions["shown_events"].tolist() == [1, 1, 1]
    assert exercises.sessions["event_count"].tolist() == [1, 2, 2]
    assert set(exercises.events["activity_type"]) == {"exercise"}
    two_days = user_timeline(filled, PM, "alice", Filters(start=date(2024, 3, 2), end=date(2024, 3, 3)))
    assert two_days.sessions["session_id"].tolist() == ["s3", "s2"]
    empty = user_timeline(filled, PM, "alfred", MARCH)
    assert (empty.total_sessions, empty.pages, len(empty.sessions), len(empty.events)) == (0, 0, 0, 0)


def test_timeline_times_are_in_the_reporting_zone(filled, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "Asia/Tokyo")
    # 20:00 UTC on 3 March is 05:00 on 4 March in Tokyo, so the session belongs to 4 March there.
    timeline = user_timeline(filled, PM, "alice", Filters(start=date(2024, 3, 4), end=date(2024, 3, 4)))
    assert timeline.sessions["session_id"].tolist() == ["s3"]
    assert timeline.sessions["started_at"].tolist() == [pd.Timestamp("2024-03-04 05:00")]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"page": 3, "sessions_per_page": 3},
            r"'page' option of user_timeline must be an int in \[1, 2\]. Got 3",
        ),
        ({"page": 0}, r"'page' option .* Got 0"),
        (
            {"sessions_per_page": 0},
            r"'sessions_per_page' option of user_timeline must be an int in \[1, 100\]",
        ),
    ],
)
def test_timeline_options_are_checked(filled, options, message):
    with pytest.raises(AnalyticsError, match=message):
        user_timeline(filled, PM, "alice", MARCH, **options)


def test_peer_summary_against_all_users(filled):
    summary = peer_summary(filled, PM, "alice", MARCH).set_index("metric")
    # Other active users' active days: bob 1, p1..p5 1..5 → [1, 1, 2, 3, 4, 5]; alice has 4.
    days = summary.loc["active_days"]
    assert (days["value"], days["peers"]) == (4.0, 6)
    assert (days["peer_p25"], days["peer_median"], days["peer_p75"]) == (1.25, 2.5, 3.75)
    assert days["percentile"] == 75.0  # (4 below + ½ × 1 equal) / 6
    assert summary.loc["sessions", "peer_median"] == 2.5
    # Nobody else answered exercises: too few peers, so no peer figures.
    assert summary.loc["accuracy", "value"] == 0.75
    assert summary.loc["accuracy", "note"] == "too few peers (0 < 5)"
    assert pd.isna(summary.loc["accuracy", "peer_median"])


def test_peer_summary_for_a_peer_group(filled):
    same_plan = peer_summary(filled, PM, "alice", MARCH, peer_group="plan").set_index("metric")
    assert same_plan.loc["active_days", "peers"] == 2  # p4 and p5 are on pro too
    assert same_plan.loc["active_days", "note"] == "too few peers (2 < 5)"
    same_platform = peer_summary(filled, PM, "p1", MARCH, peer_group="platform").set_index("metric")
    # Web users active in March besides p1: p2..p5 → [2, 3, 4, 5] (Al-7 and alfred were not active).
    assert same_platform.loc["active_days", "peers"] == 4
    with pytest.raises(AnalyticsError, match="'peer_group' option of peer_summary must be one of all, plan"):
        peer_summary(filled, PM, "alice", MARCH, peer_group="signup")


def test_members_see_themselves_only_and_nothing_is_audited(filled):
    assert user_profile(filled, ALICE, "alice").lifetime_events == 6
    user_timeline(filled, ALICE, "alice", MARCH)
    assert filled.scalar("SELECT count(*) FROM audit_log") == 0
    for call in (
        lambda: user_profile(filled, ALICE, "bob"),
        lambda: user_activity(filled, ALICE, "bob", MARCH),
        lambda: user_timeline(filled, ALICE, "bob", MARCH),
        lambda: peer_summary(filled, ALICE, "bob", MARCH),
    ):
        with pytest.raises(PermissionDenied, match="needs the VIEW_OTHER_USER_ANALYTICS permission"):
            call()
    assert filled.scalar("SELECT count(*) FROM audit_log") == 0


def test_looking_at_another_user_is_audited(filled):
    user_profile(filled, PM, "alice", source="10.0.0.7")
    user_timeline(filled, PM, "alice", MARCH)
    rows = filled.rows("SELECT actor, action, target, source, detail FROM audit_log ORDER BY audit_id")
    assert [row[:4] for row in rows] == [
        ("pm", "view_user", "alice", "10.0.0.7"),
        ("pm", "view_user", "alice", None),
    ]
    assert [json.loads(row[4])["view"] for row in rows] == ["profile", "timeline"]


def test_withdrawn_and_unknown_users(filled):
    with pytest.raises(ConsentWithdrawn, match="'carol' is excluded: consent withdrawn"):
        user_profile(filled, PM, "carol")
    with pytest.raises(NotFoundError, match="No user has the user_id 'nobody'"):
        user_timeline(filled, PM, "nobody", MARCH)
    assert filled.scalar("SELECT count(*) FROM audit_log") == 0
