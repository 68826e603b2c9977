"""Paths from hand-written sessions: next and previous steps, top-N pooling, repeats, path lengths."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.paths import END, LINK_COLUMNS, OTHER, START, next_steps, path_lengths
from analytics.viewer import SYSTEM, Viewer

PERIOD = Filters(start=date(2024, 1, 1), end=date(2024, 1, 1))

SESSIONS = {
    # (user, session): activities one minute apart from the session's start
    ("u1", "s1", "2024-01-01 10:00"): [
        "session_start",
        "lesson",
        "exercise",
        "exercise",
        "lesson",
        "achievement",
    ],
    ("u2", "s2", "2024-01-01 11:00"): ["session_start", "lesson", "feature_use"],
    ("u1", "s3", "2024-01-01 12:00"): ["lesson"],
    ("u3", "s4", "2023-12-31 23:00"): ["lesson", "exercise"],  # started before the period: left out
}


def load(db: Database, sessions: dict = SESSIONS, *, withdrawn=()) -> Database:
    """Insert each session's activities one minute apart and rebuild the rollups."""
    rows = [
        (user, session, activity, pd.Timestamp(start) + pd.Timedelta(minutes=minute))
        for (user, session, start), activities in sessions.items()
        for minute, activity in enumerate(activities)
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "session_id", "activity_type", "timestamp"])
    frame["event_id"] = [f"e{n:04d}" for n in range(len(frame))]
    users = pd.DataFrame({"user_id": sorted(set(frame["user_id"]))})
    users["consent"] = ~users["user_id"].isin(withdrawn)
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, consent_analytics) SELECT user_id, consent FROM new_users"
        )
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp, session_id, '{}', now() FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")
    return db


def links(frame: pd.DataFrame) -> list[tuple]:
    return [
        tuple(row) for row in frame[["level", "source", "target", "users", "events"]].itertuples(index=False)
    ]


def test_next_steps_follow_every_anchor_to_the_end_of_its_session(db):
    load(db)
    # Collapsed paths: s1 session_start, lesson, exercise, lesson, achievement; s2 session_start, lesson,
    # feature_use; s3 lesson. Anchors (lesson): s1 #2, s1 #4, s2 #2, s3 #1.
    found = next_steps(db, SYSTEM, PERIOD, activity="lesson", depth=2)
    assert links(found) == [
        (1, "lesson", "(end of session)", 1, 1),
        (1, "lesson", "achievement", 1, 1),
        (1, "lesson", "exercise", 1, 1),
        (1, "lesson", "feature_use", 1, 1),
        (2, "achievement", "(end of session)", 1, 1),
        (2, "exercise", "lesson", 1, 1),
        (2, "feature_use", "(end of session)", 1, 1),
    ]
    assert found["share_pct"].tolist() == [25.0] * 7
    assert found["share_of_source_pct"].tolist() == [25.0] * 4 + [100.0] * 3


def test_previous_steps_reach_the_start_of_the_session(db):
    load(db)
    found = next_steps(db, SYSTEM, PERIOD, activity="lesson", direction="previous", depth=2)
    assert links(found) == [
        (1, "lesson", "session_start", 2, 2),
        (1, "lesson", "(start of session)", 1, 1),
        (1, "lesson", "exercise", 1, 1),
        (2, "session_start", "(start of session)", 2, 2),
        (2, "exercise", "lesson", 1, 1),
    ]
    assert found["share_pct"].tolist() == [50.0, 25.0, 25.0, 50.0, 25.0]


def test_types_outside_the_top_n_are_pooled_as_other(db):
    load(db)
    found = next_steps(db, SYSTEM, PERIOD, activity="lesson", depth=2, top_n=1)
    # Level 1: three types tie at one anchor each; the first by name (achievement) stays.
    assert links(found) == [
        (1, "lesson", "(other)", 2, 2),
        (1, "lesson", "(end of session)", 1, 1),
        (1, "lesson", "achievement", 1, 1),
        (2, "(other)", "(end of session)", 1, 1),
        (2, "(other)", "lesson", 1, 1),
        (2, "achievement", "(end of session)", 1, 1),
    ]


def test_repeats_are_collapsed(db):
    load(db)
    # s1 holds exercise, exercise: one anchor, followed by lesson.
    found = next_steps(db, SYSTEM, PERIOD, activity="exercise", depth=1)
    assert links(found) == [(1, "exercise", "lesson", 1, 1)]


def test_activity_filter_keeps_only_chosen_types(db):
    load(db)
    chosen = Filters(start=PERIOD.start, end=PERIOD.end, activity_types=("achievement",))
    # Paths of lessons and achievements only: s1 lesson, achievement (the two lessons merge); s2 and s3 lesson.
    found = next_steps(db, SYSTEM, chosen, activity="lesson", depth=1)
    assert links(found) == [(1, "lesson", "(end of session)", 2, 2), (1, "lesson", "achievement", 1, 1)]


def test_consent_is_respected(db):
    load(db, withdrawn=("u2",))
    found = next_steps(db, SYSTEM, PERIOD, activity="lesson", depth=1)
    assert found["events"].sum() == 3


def test_no_sessions_in_the_period(db):
    load(db)
    empty = next_steps(db, SYSTEM, Filters(start=date(2025, 1, 1), end=date(2025, 1, 2)), activity="lesson")
    assert empty.empty and list(empty.columns) == LINK_COLUMNS


def test_busy_periods_follow_a_fixed_sample_of_sessions(db):
    load(db)
    exact = next_steps(db, SYSTEM, PERIOD, activity="lesson", max_sessions=None)
    assert (exact["sample_pct"] == 100.0).all()
    # Three sessions in the period, at most one wanted: a third of the hash space is kept.
    sampled = next_steps(db, SYSTEM, PERIOD, activity="lesson", max_sessions=1)
    again = next_steps(db, SYSTEM, PERIOD, activity="lesson", max_sessions=1)
    pd.testing.assert_frame_equal(sampled, again)
    assert sampled.empty or (sampled["sample_pct"] == 33.34).all()
    assert sampled["events"].sum() <= exact["events"].sum()


def test_path_lengths(db):
    load(db)
    lengths = path_lengths(db, SYSTEM, PERIOD)
    assert lengths.values.tolist() == [[1, 1, 33.3], [3, 1, 33.3], [6, 1, 33.3]]
    chosen = Filters(start=PERIOD.start, end=PERIOD.end, activity_types=("lesson", "achievement"))
    # s1 has two lessons and an achievement; s2 and s3 one lesson each.
    assert path_lengths(db, SYSTEM, chosen).values.tolist() == [[1, 2, 66.7], [3, 1, 33.3]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"direction": "sideways"}, "'direction' option of next_steps must be one of 'next', 'previous'"),
        ({"depth": 0}, r"'depth' option of next_steps must be an int in \[1, 10\]. Got 0"),
        ({"top_n": 21}, r"'top_n' option of next_steps must be an int in \[1, 20\]"),
        ({"max_sessions": 0}, r"'max_sessions' option of next_steps must be an int in \[1, 1000000000\]"),
        ({"activity": "purchase"}, r"known activity type \(achievement, exercise, .*\). Got 'purchase'"),
    ],
)
def test_bad_options(db, options, message):
    load(db)
    with pytest.raises(AnalyticsError, match=message):
        next_steps(db, SYSTEM, PERIOD, **{"activity": "lesson", **options})


def test_members_cannot_see_paths(db):
    member = Viewer.for_role("mia", "member", user_id="u1")
    with pytest.raises(PermissionDenied):
        next_steps(db, member, PERIOD, activity="lesson")
    with pytest.raises(PermissionDenied):
        path_lengths(db, member, PERIOD)


def test_generated_data_paths(seeded_db):
    filters = Filters(start=date(2025, 6, 1), end=date(2025, 6, 30))
    found = next_steps(seeded_db, SYSTEM, filters, activity="lesson", depth=3, top_n=5)
    level_one = found[found["level"] == 1]
    assert level_one["share_pct"].sum() == pytest.approx(100.0, abs=0.5)
    # Flow is conserved: what enters a node on one level leaves it on the next, unless the session ended.
    into = (
        found[(found["level"] == 1) & (found["target"] != "(end of session)")]
        .groupby("target")["events"]
        .sum()
    )
    out = found[found["level"] == 2].groupby("source")["events"].sum()
    pd.testing.assert_series_equal(into.sort_index(), out.sort_index(), check_names=False)
    lengths = path_lengths(seeded_db, SYSTEM, filters)
    assert lengths["share_pct"].sum() == pytest.approx(100.0, abs=0.5) and lengths["path_length"].min() >= 1


def reference_links(sessions: dict, activity: str, sign: int, depth: int, top_n: int) -> list[tuple]:
    """A plain-Python next_steps over sessions started on 1 Jan 2024: (level, source, target, users, events)."""
    boundary = END if sign > 0 else START
    walks = []  # (user, [node at level 1..])
    for (user, _, start), activities in sessions.items():
        if not str(start).startswith("2024-01-01"):
            continue
        path = [a for i, a in enumerate(activities) if i == 0 or a != activities[i - 1]]
        for at in (i for i, a in enumerate(path) if a == activity):
            nodes = []
            for level in range(1, depth + 1):
                index = at + sign * level
                nodes.append(path[index] if 0 <= index < len(path) else boundary)
                if nodes[-1] == boundary:
                    break
            walks.append((user, nodes))
    kept = {}
    for level in range(depth):
        counts = Counter(
            nodes[level] for _, nodes in walks if len(nodes) > level and nodes[level] != boundary
        )
        kept[level] = {
            name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top_n]
        }
    events, users = Counter(), {}
    for user, nodes in walks:
        named = [n if n == boundary or n in kept[level] else OTHER for level, n in enumerate(nodes)]
        for level, target in enumerate(named):
            key = (level + 1, named[level - 1] if level else activity, target)
            events[key] += 1
            users.setdefault(key, set()).add(user)
    return sorted((*key, len(users[key]), count) for key, count in events.items())


@pytest.mark.parametrize(("direction", "top_n"), [("next", 2), ("previous", 3)])
def test_matches_plain_python_paths_on_random_sessions(db, rng, direction, top_n):
    sessions = {}
    for number in range(60):
        day = "2024-01-01" if number < 50 else "2024-01-02"
        start = f"{day} {rng.randrange(24):02d}:00"
        sessions[(f"u{rng.randrange(15)}", f"s{number}", start)] = [
            rng.choice("abcde") for _ in range(rng.randrange(1, 9))
        ]
    load(db, sessions)
    found = next_steps(
        db, SYSTEM, PERIOD, activity="a", direction=direction, depth=3, top_n=top_n, max_sessions=None
    )
    expected = reference_links(sessions, "a", 1 if direction == "next" else -1, 3, top_n)
    assert sorted(links(found)) == expected
