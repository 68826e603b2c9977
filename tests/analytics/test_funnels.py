"""Funnels against hand-computed answers: order modes, window edges, open windows, breakdown, timing."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from analytics import rollups
from analytics.db import Database
from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.funnels import STEP_COLUMNS, funnel, funnel_users
from analytics.funnels.figures import histogram, two_proportion_test
from analytics.viewer import SYSTEM, Viewer

DAY = Filters(start=date(2024, 1, 1), end=date(2024, 1, 1))
WEEK = Filters(start=date(2024, 1, 1), end=date(2024, 1, 7))
LATER = datetime(2024, 6, 1)
STEPS = ["signup", "lesson", "exercise"]


def load(db: Database, events: list[tuple], *, plans: dict[str, str] | None = None, withdrawn=()) -> Database:
    """Insert (user_id, activity_type, 'HH:MM:SS' on 1 Jan 2024 or a full timestamp) events and rebuild rollups."""
    frame = pd.DataFrame(events, columns=["user_id", "activity_type", "timestamp"])
    frame["timestamp"] = [t if " " in t else f"2024-01-01 {t}" for t in frame["timestamp"]]
    frame["event_id"] = [f"e{n:04d}" for n in range(len(frame))]
    users = pd.DataFrame({"user_id": sorted(set(frame["user_id"]))})
    users["plan"] = users["user_id"].map(lambda user: (plans or {}).get(user, "free"))
    users["consent"] = ~users["user_id"].isin(withdrawn)
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.execute(
            "INSERT INTO users (user_id, plan, consent_analytics) SELECT user_id, plan, consent FROM new_users"
        )
        cursor.register("new_events", frame)
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at) "
            "SELECT event_id, user_id, activity_type, timestamp::TIMESTAMP, user_id || '-s', '{}', now() FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")
    return db


ORDER_EVENTS = [
    # u1: the steps back to back: passes every mode.
    ("u1", "signup", "10:00:00"), ("u1", "lesson", "10:01:00"), ("u1", "exercise", "10:02:00"),
    # u2: another event between signup and lesson: sequential and any, not strict.
    ("u2", "signup", "10:00:00"), ("u2", "feature_use", "10:01:00"),
    ("u2", "lesson", "10:02:00"), ("u2", "exercise", "10:03:00"),
    # u3: steps 2 and 3 in reverse: any reaches step 3, sequential stops at 2, strict at 1.
    ("u3", "signup", "10:00:00"), ("u3", "exercise", "10:01:00"), ("u3", "lesson", "10:02:00"),
    # u4: lesson and exercise before the entry do not count in any mode.
    ("u4", "lesson", "09:00:00"), ("u4", "exercise", "09:30:00"), ("u4", "signup", "10:00:00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("order", "users"),
    [("strict", [4, 1, 1]), ("sequential", [4, 3, 2]), ("any", [4, 3, 3])],
)
def test_order_modes(db, order, users):
    load(db, ORDER_EVENTS)
    result = funnel(db, SYSTEM, DAY, steps=STEPS, window_s=3600, order=order, now=LATER)
    assert result.steps["users"].tolist() == users
    assert result.steps["conversion_pct"].tolist() == [100.0, *(round(100 * n / 4, 1) for n in users[1:])]


def test_any_order_reaches_a_step_at_the_latest_of_its_events(db):
    load(db, ORDER_EVENTS)
    converted = funnel_users(db, SYSTEM, DAY, steps=STEPS, window_s=3600, order="any", step=3)
    u3 = converted.set_index("user_id").loc["u3"]
    assert u3["reached_at"] == pd.Timestamp("2024-01-01 10:02:00")
    assert converted["user_id"].tolist() == ["u1", "u2", "u3"]


def test_strict_counts_events_of_every_type(db):
    load(db, ORDER_EVENTS)
    dropped = funnel_users(
        db, SYSTEM, DAY, steps=STEPS, window_s=3600, order="strict", step=2, outcome="dropped"
    )
    assert dropped["user_id"].tolist() == ["u2", "u3", "u4"]
    assert (dropped["reached_at"] == dropped["entered_at"]).all()


def test_repeated_steps_need_repeated_events(db):
    load(
        db,
        [
            ("once", "lesson", "10:00:00"), ("once", "exercise", "10:01:00"),
            ("twice", "lesson", "10:00:00"), ("twice", "exercise", "10:01:00"), ("twice", "exercise", "10:02:00"),
        ],
    )  # fmt: skip
    for order in ("strict", "sequential", "any"):
        result = funnel(db, SYSTEM, DAY, steps=["lesson", "exercise", "exercise"], window_s=600, order=order)
        assert result.steps["users"].tolist() == [2, 2, 1], order


@pytest.mark.parametrize(("lesson_at", "converted"), [("10:01:00", 1), ("10:01:01", 0)])
def test_window_includes_its_last_second(db, lesson_at, converted):
    load(db, [("w", "signup", "10:00:00"), ("w", "lesson", lesson_at)])
    for order in ("strict", "sequential", "any"):
        result = funnel(db, SYSTEM, DAY, steps=["signup", "lesson"], window_s=60, order=order, now=LATER)
        assert result.steps["users"].tolist() == [1, converted], order


def test_entry_is_the_first_step_one_in_the_period(db):
    load(
        db,
        [
            ("u", "signup", "2023-12-31 23:00:00"),  # before the period: not the entry
            ("u", "signup", "2024-01-01 08:00:00"),  # entry
            ("u", "signup", "2024-01-01 09:00:00"),
            ("u", "lesson", "2024-01-01 09:30:00"),  # 90 minutes after the entry
            ("v", "signup", "2024-01-02 10:00:00"),  # after the period: never enters
            ("v", "lesson", "2024-01-02 10:01:00"),
        ],
    )
    result = funnel(db, SYSTEM, DAY, steps=["signup", "lesson"], window_s=3600, now=LATER)
    assert result.steps["users"].tolist() == [1, 0]
    result = funnel(db, SYSTEM, DAY, steps=["signup", "lesson"], window_s=5400, now=LATER)
    assert result.steps["users"].tolist() == [1, 1]
    assert result.steps.loc[1, "median_s_from_previous"] == 5400.0


def test_the_period_is_in_the_reporting_zone(db, monkeypatch):
    monkeypatch.setenv("PULSE_REPORTING_TIMEZONE", "Asia/Tokyo")
    load(
        db,
        [
            ("early", "signup", "2023-12-31 20:00:00"),  # 1 Jan 05:00 in Tokyo: in the period
            ("late", "signup", "2024-01-01 16:00:00"),  # 2 Jan 01:00 in Tokyo: after it
        ],
    )
    listed = funnel_users(db, SYSTEM, DAY, steps=["signup", "signup"], window_s=60, step=1)
    assert listed["user_id"].tolist() == ["early"]


def test_users_inside_their_window_are_not_dropped(db):
    load(
        db,
        [
            ("closed", "signup", "2024-01-01 10:00:00"),  # window ends 2 Jan 10:00
            ("open", "signup", "2024-01-03 09:00:00"),  # window ends 4 Jan 09:00
            ("done", "signup", "2024-01-01 10:00:00"),
            ("done", "lesson", "2024-01-01 12:00:00"),
        ],
    )
    options = {"steps": ["signup", "lesson"], "window_s": 86_400}
    result = funnel(db, SYSTEM, WEEK, **options, now=datetime(2024, 1, 3, 12))
    assert result.steps.loc[1, ["users", "dropped", "still_in_window"]].tolist() == [1, 1, 1]
    dropped = funnel_users(
        db, SYSTEM, WEEK, **options, step=2, outcome="dropped", now=datetime(2024, 1, 3, 12)
    )
    assert dropped["user_id"].tolist() == ["closed"]
    assert dropped["reached_at"].tolist() == [pd.Timestamp("2024-01-01 10:00:00")]
    result = funnel(db, SYSTEM, WEEK, **options, now=datetime(2024, 1, 5))
    assert result.steps.loc[1, ["dropped", "still_in_window"]].tolist() == [2, 0]


def test_time_to_convert_median_p90_and_histogram(db):
    events = []
    # Lesson 10, 20, 30, 40, 100 s after signup; exercise 5 s later (20 s for the last user).
    for user, lesson_s, exercise_s in [
        ("a", 10, 15),
        ("b", 20, 25),
        ("c", 30, 35),
        ("d", 40, 45),
        ("e", 100, 120),
    ]:
        events += [
            (user, "signup", "10:00:00"),
            (user, "lesson", f"10:{lesson_s // 60:02d}:{lesson_s % 60:02d}"),
            (user, "exercise", f"10:{exercise_s // 60:02d}:{exercise_s % 60:02d}"),
        ]
    load(db, events)
    result = funnel(db, SYSTEM, DAY, steps=STEPS, window_s=600)
    timing = result.steps.set_index("step")
    # Linear interpolation: p90 of 5 sorted values sits 60% of the way from the 4th to the 5th.
    assert timing.loc[2, ["median_s_from_previous", "p90_s_from_previous"]].tolist() == [30.0, 76.0]
    assert timing.loc[3, ["median_s_from_previous", "p90_s_from_previous"]].tolist() == [5.0, 14.0]
    assert timing.loc[3, ["median_s_from_start", "p90_s_from_start"]].tolist() == [35.0, 90.0]
    assert pd.isna(timing.loc[1, "median_s_from_start"])
    bins = result.time_to_convert
    # 15..120 s: 10-second bins (5 s bins would need 25 > 20 bins).
    assert bins["label"].iloc[0] == "0–10 s" and len(bins) == 13
    assert bins["users"].tolist() == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_histogram_units_follow_the_range():
    assert histogram(np.array([0.0]))["label"].tolist() == ["0–1 s"]
    assert histogram(np.array([90.0, 3000.0]))["label"].iloc[0] == "0–5 min"
    assert histogram(np.array([86_400.0 * 3]))["label"].iloc[-1] == "72–78 h"
    assert histogram(np.array([86_400.0 * 60]))["label"].iloc[0] == "0–5 d"
    assert histogram(np.array([])).empty


def test_breakdown_flags_small_segments_and_a_big_difference(db):
    events, plans = [], {}
    for n in range(40):
        plans[f"p{n}"], plans[f"f{n}"] = "pro", "free"
        events += [(f"p{n}", "signup", "10:00:00"), (f"p{n}", "lesson", "10:05:00")]
        events += [(f"f{n}", "signup", "10:00:00")] + ([(f"f{n}", "lesson", "10:05:00")] if n < 4 else [])
    for n in range(5):
        plans[f"t{n}"] = "team"
        events += [(f"t{n}", "signup", "10:00:00")]
    load(db, events, plans=plans)
    result = funnel(db, SYSTEM, DAY, steps=["signup", "lesson"], window_s=600, breakdown="plan", now=LATER)
    tests = result.significance.set_index("segment")
    assert tests.loc["team", "sample"] == "insufficient sample"
    assert pd.isna(tests.loc["team", "p_value"]) and not tests.loc["team", "significant"]
    assert tests.loc["pro", ["entered", "converted", "rest_entered", "rest_converted"]].tolist() == [
        40,
        40,
        45,
        4,
    ]
    pooled = 44 / 85
    z = (1 - 4 / 45) / math.sqrt(pooled * (1 - pooled) * (1 / 40 + 1 / 45))
    assert tests.loc["pro", "z"] == pytest.approx(z, abs=1e-4)
    assert tests.loc["pro", "test"] == "z_test" and tests.loc["pro", "significant"]
    assert tests.loc["free", "significant"] and tests.loc["free", "z"] < 0
    per_segment = result.breakdown.set_index(["segment", "step"])
    assert per_segment.loc[("free", 2), ["users", "conversion_pct", "dropped"]].tolist() == [4, 10.0, 36]
    assert per_segment.loc[("team", 2), "users"] == 0


def test_rare_conversions_use_fishers_exact_test():
    test, z, p_value = two_proportion_test(1, 57, 0, 335)
    assert (test, z) == ("fisher_exact", None)
    assert p_value == pytest.approx(57 / 392)  # the one convert falls among the 57 by chance
    assert two_proportion_test(30, 60, 30, 60)[2] == pytest.approx(1.0)


def test_breakdown_pools_values_beyond_max_segments(db):
    plans = {"a": "x", "b": "x", "c": "y", "d": "z"}
    load(db, [(user, "signup", "10:00:00") for user in plans], plans=plans)
    result = funnel(
        db, SYSTEM, DAY, steps=["signup", "signup"], window_s=60, breakdown="plan", max_segments=1, now=LATER
    )
    assert result.significance[["segment", "entered"]].values.tolist() == [["(other)", 2], ["x", 2]]


def test_consent_and_segment_filters(db):
    load(
        db,
        [("a", "signup", "10:00:00"), ("b", "signup", "10:00:00"), ("c", "signup", "10:00:00")],
        plans={"a": "pro", "b": "free", "c": "pro"},
        withdrawn=("c",),
    )
    assert funnel(db, SYSTEM, DAY, steps=["signup", "signup"], window_s=60).entered == 2
    pro = Filters(start=DAY.start, end=DAY.end, segment=(("plan", "pro"),))
    assert funnel(db, SYSTEM, pro, steps=["signup", "signup"], window_s=60).entered == 1


def test_empty_funnel(db):
    load(db, [("a", "lesson", "10:00:00"), ("a", "signup", "2024-02-01 10:00:00")])
    result = funnel(db, SYSTEM, DAY, steps=["signup", "lesson"], window_s=60)
    assert result.steps["users"].tolist() == [0, 0]
    assert result.steps["conversion_pct"].isna().all()
    assert result.time_to_convert.empty
    assert result.breakdown.empty and list(result.breakdown.columns) == ["segment", *STEP_COLUMNS]
    assert result.significance.empty


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": ["signup"]}, "list of 2 to 10 activity types"),
        ({"steps": ["signup"] * 11}, "list of 2 to 10 activity types"),
        ({"steps": ["signup", "purchase"]}, r"unknown activity types \['purchase'\]; known: lesson, signup"),
        ({"window_s": 0}, r"'window_s' option of funnel must be an int of seconds in \[1, 7,776,000\]"),
        ({"window_s": 90 * 86_400 + 1}, "Got 7776001"),
        ({"order": "loose"}, "'order' option of funnel must be one of 'strict', 'sequential', 'any'"),
        ({"breakdown": "colour"}, "'breakdown' option must be None or one of plan, country"),
        ({"max_segments": 0}, "'max_segments' option of funnel must be an int >= 1"),
    ],
)
def test_bad_options(db, options, message):
    load(db, [("a", "signup", "10:00:00"), ("a", "lesson", "10:01:00")])
    arguments = {"steps": ["signup", "lesson"], "window_s": 60, **options}
    with pytest.raises(AnalyticsError, match=message):
        funnel(db, SYSTEM, DAY, **arguments)


def test_bad_user_listing_options(db):
    load(db, [("a", "signup", "10:00:00"), ("a", "lesson", "10:01:00")])
    options = {"steps": ["signup", "lesson"], "window_s": 60}
    with pytest.raises(AnalyticsError, match=r"int in \[2, 2\] for outcome='dropped'. Got 1"):
        funnel_users(db, SYSTEM, DAY, **options, step=1, outcome="dropped")
    with pytest.raises(AnalyticsError, match="'outcome' option of funnel_users must be one of"):
        funnel_users(db, SYSTEM, DAY, **options, step=2, outcome="lost")


def test_members_cannot_see_funnels(db):
    member = Viewer.for_role("mia", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        funnel(db, member, DAY, steps=["signup", "lesson"], window_s=60)


def test_generated_data_funnel(seeded_db):
    """Smoke test on the generated data: the default funnel narrows step by step in every mode."""
    filters = Filters(start=date(2025, 1, 1), end=date(2025, 6, 30))
    steps = ["signup", "lesson", "exercise", "upgrade"]
    reached = {}
    for order in ("strict", "sequential", "any"):
        result = funnel(
            db=seeded_db, viewer=SYSTEM, filters=filters, steps=steps, window_s=14 * 86_400, order=order
        )
        users = result.steps["users"].tolist()
        assert users[0] > 100 and users == sorted(users, reverse=True)
        reached[order] = users
    # Every strict conversion is a sequential one, and every sequential one an any-order one.
    assert all(
        s <= q <= a for s, q, a in zip(reached["strict"], reached["sequential"], reached["any"], strict=True)
    )


def reference_levels(events: list[tuple], steps: list[str], window_s: int, order: str) -> dict[str, list]:
    """A plain-Python funnel, one user at a time: user → reached_at of each step reached."""
    low, high = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")
    by_user: dict[str, list] = {}
    for number, (user, activity, moment) in enumerate(events):
        by_user.setdefault(user, []).append((pd.Timestamp(moment), f"e{number:04d}", activity))
    reached = {}
    for user, rows in by_user.items():
        rows.sort()
        entry = next((i for i, row in enumerate(rows) if row[2] == steps[0] and low <= row[0] < high), None)
        if entry is None:
            continue
        limit = rows[entry][0] + pd.Timedelta(seconds=window_s)
        window = [row for row in rows[entry:] if row[0] <= limit]
        if order == "strict":
            level = 1
            while level < min(len(window), len(steps)) and window[level][2] == steps[level]:
                level += 1
            times = [row[0] for row in window[:level]]
        elif order == "sequential":
            times, position = [window[0][0]], 0
            for step in steps[1:]:
                found = next((i for i in range(position + 1, len(window)) if window[i][2] == step), None)
                if found is None:
                    break
                times.append(window[found][0])
                position = found
        else:
            times = []
            for k in range(1, len(steps) + 1):
                needed = {step: steps[:k].count(step) for step in steps[:k]}
                of_type = {step: [row[0] for row in window if row[2] == step] for step in needed}
                if any(len(of_type[step]) < count for step, count in needed.items()):
                    break
                times.append(max(of_type[step][count - 1] for step, count in needed.items()))
        reached[user] = times
    return reached


@pytest.mark.parametrize("steps", [["a", "b", "c"], ["a", "b", "a", "c"]])
def test_matches_a_plain_python_funnel_on_random_events(db, rng, steps):
    # Ten-minute slots over two days, so that same-timestamp ties are common.
    start = pd.Timestamp("2023-12-31 12:00")
    events = [
        (
            f"u{rng.randrange(40):02d}",
            rng.choice("abcd"),
            str(start + pd.Timedelta(minutes=10 * rng.randrange(288))),
        )
        for _ in range(600)
    ]
    load(db, events)
    for order in ("strict", "sequential", "any"):
        expected = reference_levels(events, steps, 6 * 3600, order)
        result = funnel(db, SYSTEM, DAY, steps=steps, window_s=6 * 3600, order=order)
        counts = [sum(len(times) >= k for times in expected.values()) for k in range(1, len(steps) + 1)]
        assert result.steps["users"].tolist() == counts, order
        assert counts[1] > 0 and (order == "strict" or counts[-1] > 0), counts
        for step in range(2, len(steps) + 1):
            listed = funnel_users(db, SYSTEM, DAY, steps=steps, window_s=6 * 3600, order=order, step=step)
            wanted = {user: times[step - 1] for user, times in expected.items() if len(times) >= step}
            assert dict(zip(listed["user_id"], listed["reached_at"], strict=True)) == wanted, (order, step)
