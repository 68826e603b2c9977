"""The pandas versions of the pages compute what the pages themselves get, so `python -m bench` compares like with like."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from analytics.viewer import Viewer
from bench.pages import run_page
from bench.pandas_frames import PageView, differences, load, session_table
from bench.pandas_reference import PAGES


@pytest.mark.parametrize("path", list(PAGES), ids=[path.split("/")[1][:-3] for path in PAGES])
def test_pandas_version_agrees_with_what_the_page_gets(seeded_app_env, path):
    measured = run_page(path, Viewer.for_role("bench", "admin"), {})
    assert measured.problems == []
    got = {call.label: call.result for call in measured.cold}
    pandas = PAGES[path](load(seeded_app_env), PageView.default(*got["data_days"]))
    assert differences(got, pandas) == []


def test_the_rerun_is_answered_from_the_cache(seeded_app_env):
    measured = run_page("pages/overview.py", Viewer.for_role("bench", "admin"), {})
    cold = {call.label: call.computed for call in measured.cold if call.through_cache}
    assert {"data_days", "overview_figures"} <= set(cold)
    assert all(cold.values())  # every cached call computed its result the first time...
    assert [call.computed for call in measured.cached if call.through_cache] == [()] * len(
        cold
    )  # ...not again


def test_sessions_last_as_long_as_their_span_or_their_last_timed_event(db):
    with db.transaction() as cursor:
        cursor.execute("INSERT INTO users (user_id) VALUES ('a')")
        cursor.execute(
            """INSERT INTO events (event_id, user_id, activity_type, timestamp, session_id, properties, ingested_at)
            SELECT *, TIMESTAMP '2025-01-03' FROM (VALUES
            ('e1', 'a', 'lesson', TIMESTAMP '2025-01-01 10:00:00', 's1', '{"duration_s": 30, "feature": "x"}'),
            ('e2', 'a', 'exercise', TIMESTAMP '2025-01-01 10:01:00', 's1', '{"duration_s": 20, "feature": "y"}'),
            ('e3', 'a', 'exercise', TIMESTAMP '2025-01-01 10:01:30', 's1', '{"feature": "x"}'),
            ('e4', 'a', 'lesson', TIMESTAMP '2025-01-02 09:00:00', 's2', '{"duration_s": 500}'))"""
        )
    sessions = session_table(load(db).events, datetime(2025, 1, 1), datetime(2025, 1, 3))
    assert sessions[["event_count", "exercise_count", "lesson_count", "feature_count", "duration_s"]].to_dict(
        "records"
    ) == [
        # s1: 90 s from first to last event beats the last timed event's 20 s; s2: one event of 500 s
        {"event_count": 3, "exercise_count": 2, "lesson_count": 1, "feature_count": 2, "duration_s": 90.0},
        {"event_count": 1, "exercise_count": 0, "lesson_count": 1, "feature_count": 0, "duration_s": 500.0},
    ]


def test_the_default_view_is_the_last_28_days_and_today_the_day_after():
    view = PageView.default(date(2025, 1, 1), date(2025, 6, 30), now=datetime(2026, 1, 1))
    assert (view.filters.start, view.filters.end, view.filters.grain) == (
        date(2025, 6, 3),
        date(2025, 6, 30),
        "day",
    )
    assert view.today == date(2025, 7, 1)
    assert PageView.default(date(2025, 6, 20), date(2025, 6, 30)).filters.start == date(2025, 6, 20)


def test_differences_name_each_result_that_differs():
    kpis = pd.DataFrame({"metric": ["events", "sessions"], "value": [3, 1]})
    expected = {"overview_kpis": kpis, "data_days": (date(2025, 1, 1), date(2025, 1, 2)), "rate": 0.25}
    assert differences(expected, {"overview_kpis": kpis.copy(), "rate": 0.25 + 1e-12}) == []
    found = differences(
        expected,
        {
            "overview_kpis": kpis.assign(value=[3, 2]),
            "data_days": (date(2025, 1, 1), date(2025, 1, 3)),
            "rate": 0.5,
        },
    )
    assert [line.split(":")[0] for line in found] == ["overview_kpis", "data_days", "rate"]
