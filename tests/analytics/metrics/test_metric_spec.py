"""Parsing metric specs: every kind, the canonical text, and messages that say what is allowed."""

from __future__ import annotations

import re

import pytest

from analytics.errors import AnalyticsError
from analytics.metrics import COMMON_METRICS, MetricSpec, parse_metric


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("events", MetricSpec("events")),
        (" active_users ", MetricSpec("active_users")),
        ("new_users", MetricSpec("new_users")),
        ("sessions", MetricSpec("sessions")),
        ("count:lesson", MetricSpec("count", activity="lesson")),
        ("users:feature_use", MetricSpec("users", activity="feature_use")),
        ("ratio:exercise/lesson", MetricSpec("ratio", activity="exercise", denominator="lesson")),
        ("avg:accuracy", MetricSpec("avg", property_name="accuracy")),
        ("avg:meta.level", MetricSpec("avg", property_name="meta.level")),
        ("count:page-view.v2", MetricSpec("count", activity="page-view.v2")),
    ],
)
def test_parses_every_kind(text, expected):
    assert parse_metric(text) == expected
    assert parse_metric(expected.text) == expected


@pytest.mark.parametrize("text", COMMON_METRICS)
def test_common_metrics_parse(text):
    assert parse_metric(text).text == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Unknown metric ''"),
        ("revenue", "Unknown metric 'revenue'. Metrics: events, active_users"),
        ("sum:score", "Unknown metric 'sum:score'"),
        ("count:", "names activity '', which is not allowed"),
        ("count:lesson; DROP TABLE events", "names activity 'lesson; DROP TABLE events'"),
        ("users:it's", "letters, digits, _ . - only"),
        ("ratio:exercise", "must look like ratio:A/B"),
        ("ratio:exercise/", "names activity ''"),
        ("avg:a..b", "names property 'a..b'"),
        ("avg:" + "x" * 65, "1-64 characters"),
    ],
)
def test_invalid_specs_say_what_is_allowed(text, message):
    with pytest.raises(AnalyticsError, match=re.escape(message)):
        parse_metric(text)


@pytest.mark.parametrize(("text", "is_count"), [("events", True), ("users:x", True), ("ratio:a/b", False)])
def test_counts_are_zero_filled_and_ratios_are_not(text, is_count):
    assert parse_metric(text).is_count is is_count
