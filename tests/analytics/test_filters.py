"""Shared dashboard filters: URL round trip, validation, and segment narrowing."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import AnalyticsError
from analytics.filters import Filters, parse_segment, period_end, segment_filter
from analytics.schema import USER_DAILY

DEFAULTS = {"default_start": date(2024, 1, 1), "default_end": date(2024, 1, 28)}


def test_round_trip_through_the_url():
    filters = Filters(
        start=date(2024, 2, 1),
        end=date(2024, 2, 29),
        grain="week",
        segment=(("country", "DE"), ("plan", "pro")),
        activity_types=("exercise", "lesson"),
    )
    assert Filters.from_query(filters.to_query(), **DEFAULTS) == filters


def test_missing_parameters_take_defaults():
    assert Filters.from_query({}, **DEFAULTS) == Filters(start=date(2024, 1, 1), end=date(2024, 1, 28))


def test_previous_period_has_the_same_length():
    previous = Filters(start=date(2024, 1, 8), end=date(2024, 1, 14)).previous()
    assert (previous.start, previous.end) == (date(2024, 1, 1), date(2024, 1, 7))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "yesterday"}, "The 'start' filter must be a date like 2024-01-31. Got 'yesterday'."),
        ({"grain": "hour"}, "The grain must be one of day, week, month. Got 'hour'."),
        ({"segment": "plan"}, "A segment must look like KEY=VALUE"),
        ({"segment": "password=x"}, "Unknown segment key 'password'"),
        ({"segment": "attr.a;drop=x"}, "Unknown segment key 'attr.a;drop'"),
        ({"segment": "signup_cohort=2024"}, "must look like 2024-01"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "must end on or after its start"),
    ],
)
def test_bad_filters_are_named(query, message):
    with pytest.raises(AnalyticsError, match=message.replace("(", "\\(").replace(")", "\\)")):
        Filters.from_query(query, **DEFAULTS)


def test_segment_pairs_are_sorted():
    assert parse_segment("plan=pro, country=DE") == [("country", "DE"), ("plan", "pro")]


@pytest.mark.parametrize(
    ("start", "grain", "end"),
    [
        (date(2024, 1, 3), "day", date(2024, 1, 3)),
        (date(2024, 1, 1), "week", date(2024, 1, 7)),
        (date(2024, 2, 1), "month", date(2024, 2, 29)),
        (date(2024, 12, 1), "month", date(2024, 12, 31)),
    ],
)
def test_period_end(start, grain, end):
    assert period_end(start, grain) == end


def test_segment_narrows_rows(db):
    with db.transaction() as cursor:
        cursor.execute(
            """INSERT INTO users (user_id, plan, signup_at, attributes) VALUES
               ('a', 'pro', '2024-01-05', '{"referrer": "ads"}'),
               ('b', 'free', '2024-02-05', '{"referrer": "ads"}'),
               ('c', 'pro', '2024-02-07', '{"referrer": "friend"}')"""
        )
        for user in "abc":
            cursor.execute(
                "INSERT INTO user_daily VALUES (?, '2024-03-01', 1, 1, now(), now(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, [])",
                [user],
            )

    def users_for(segment: str) -> list[str]:
        filters = Filters(start=date(2024, 3, 1), end=date(2024, 3, 1), segment=tuple(parse_segment(segment)))
        return sorted(db.run(segment_filter(USER_DAILY, filters))["user_id"])

    assert users_for("plan=pro") == ["a", "c"]
    assert users_for("signup_cohort=2024-02") == ["b", "c"]
    assert users_for("attr.referrer=ads,plan=pro") == ["a"]
    assert users_for("plan=x' OR '1'='1") == []
