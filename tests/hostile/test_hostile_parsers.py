"""Property-based tests of the text parsers: any input is parsed into something valid or refused with
AnalyticsError, and what they parse round-trips."""

from __future__ import annotations

from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics.errors import AnalyticsError
from analytics.filters import EARLIEST_DAY, GRAINS, LATEST_DAY, Filters, check_segment, parse_segment
from analytics.metrics.spec import METRIC_HELP, MetricSpec, parse_metric
from tests.hostile.conftest import INJECTIONS

NAME_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
NAMES = st.text(alphabet="abcXYZ019_.-", min_size=0, max_size=70)
METRIC_TEXT = st.one_of(
    st.text(NAME_CHARS, max_size=40),
    st.tuples(st.sampled_from(["count", "users", "avg", "ratio", "events", "sessions", ""]), NAMES).map(
        ":".join
    ),
    st.tuples(NAMES, NAMES).map(lambda pair: "ratio:" + "/".join(pair)),
    st.sampled_from(INJECTIONS).map(lambda text: "count:" + text),
)


@settings(max_examples=400, deadline=None)
@given(text=METRIC_TEXT)
@example(text="ratio:a/b/c")
@example(text="avg:" + "a" * 65)
def test_metric_specs_parse_to_a_canonical_spec_or_are_refused(text):
    try:
        spec = parse_metric(text)
    except AnalyticsError as exc:
        assert METRIC_HELP in str(exc) or "not allowed" in str(exc)
        return
    assert isinstance(spec, MetricSpec)
    assert parse_metric(spec.text) == spec
    for name in (spec.activity, spec.denominator, spec.property_name):
        assert name is None or (name.isascii() and "'" not in name and ";" not in name and " " not in name)


DAY_TEXT = st.one_of(
    st.dates().map(date.isoformat),
    st.text(NAME_CHARS, max_size=12),
    st.sampled_from(["", "0001-01-01", "9999-12-31", "2024-02-30", "2024-1-5", "20240105", *INJECTIONS]),
)
SEGMENT_TEXT = st.one_of(
    st.text(NAME_CHARS, max_size=30),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["plan", "country", "platform", "signup_cohort", "attr.level", "attr.", "user_id", ""]
            ),
            st.one_of(st.text(NAME_CHARS, max_size=12), st.sampled_from(["2024-01", "pro", *INJECTIONS])),
        ),
        max_size=4,
    ).map(lambda pairs: ",".join(f"{key}={value}" for key, value in pairs)),
)
QUERY = st.fixed_dictionaries(
    {},
    optional={
        "start": DAY_TEXT,
        "end": DAY_TEXT,
        "grain": st.one_of(st.sampled_from([*GRAINS, "year", ""]), st.text(NAME_CHARS, max_size=8)),
        "segment": SEGMENT_TEXT,
        "activity": st.text(NAME_CHARS, max_size=30),
    },
)


@settings(max_examples=400, deadline=None)
@given(query=QUERY)
def test_filters_from_any_query_are_valid_and_round_trip(query):
    try:
        filters = Filters.from_query(query, default_start=date(2025, 1, 1), default_end=date(2025, 1, 31))
    except AnalyticsError:
        return
    assert EARLIEST_DAY <= filters.start <= filters.end <= LATEST_DAY
    assert filters.grain in GRAINS
    for key, value in filters.segment:
        check_segment(key, value)
    assert Filters.from_query(filters.to_query(), default_start=date.min, default_end=date.min) == filters
    filters.previous()  # the period before is computable too: no overflow near the allowed days


@settings(max_examples=300, deadline=None)
@given(text=SEGMENT_TEXT)
def test_segments_parse_to_checked_sorted_pairs_or_are_refused(text):
    try:
        pairs = parse_segment(text)
    except AnalyticsError as exc:
        assert "segment" in str(exc).lower()
        return
    assert pairs == sorted(pairs) and pairs
    for key, value in pairs:
        check_segment(key, value)
        assert key == key.strip() and value == value.strip() and "," not in value
