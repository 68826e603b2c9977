"""The timestamp rules: ISO 8601 with or without offset, epoch seconds or milliseconds, to naive UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.errors import AnalyticsError, ValidationError
from analytics.ingest.timestamps import parse_timestamp, parse_timestamps


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("2024-01-05T10:00:00Z", "UTC", datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05T10:00:00+02:00", "UTC", datetime(2024, 1, 5, 8, 0)),
        ("2024-01-05T10:00:00-05:30", "Europe/Berlin", datetime(2024, 1, 5, 15, 30)),
        ("2024-01-05 10:00:00.250", "UTC", datetime(2024, 1, 5, 10, 0, 0, 250000)),
        ("2024-01-05T10:00:00", "UTC", datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05T10:00:00", "Europe/Berlin", datetime(2024, 1, 5, 9, 0)),  # winter: UTC+1
        ("2024-07-01T10:00:00", "Europe/Berlin", datetime(2024, 7, 1, 8, 0)),  # summer: UTC+2
        ("2024-01-05 10:00", "America/New_York", datetime(2024, 1, 5, 15, 0)),
        ("2024-01-05", "UTC", datetime(2024, 1, 5)),
        (1_700_000_000, "UTC", datetime(2023, 11, 14, 22, 13, 20)),
        (1_700_000_000, "Europe/Berlin", datetime(2023, 11, 14, 22, 13, 20)),  # epochs have no zone
        ("1700000000", "UTC", datetime(2023, 11, 14, 22, 13, 20)),
        (1_700_000_000.5, "UTC", datetime(2023, 11, 14, 22, 13, 20, 500000)),
        (1_700_000_000_123, "UTC", datetime(2023, 11, 14, 22, 13, 20, 123000)),
        ("1700000000123", "UTC", datetime(2023, 11, 14, 22, 13, 20, 123000)),
        (0, "UTC", datetime(1970, 1, 1)),
        # The magnitude rule's edge: below 1e11 is seconds (year 5138), from 1e11 on milliseconds (1973).
        (99_999_999_999, "UTC", datetime(5138, 11, 16, 9, 46, 39)),
        (100_000_000_000, "UTC", datetime(1973, 3, 3, 9, 46, 40)),
    ],
)
def test_accepted_forms_become_naive_utc(value: object, zone: str, expected: datetime) -> None:
    assert parse_timestamp(value, zone) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("yesterday", "'yesterday' is not ISO 8601 or epoch seconds/milliseconds"),
        ("2024-13-01", "'2024-13-01' is not ISO 8601"),
        ("infinity", "'infinity' is not ISO 8601"),
        (100_000_000_000_000, "too large for epoch seconds/milliseconds"),
        (True, "'true' is not ISO 8601"),
        ({"at": 1}, "is not ISO 8601"),
        ("", "is empty"),
        (None, "is empty"),
    ],
)
def test_refused_values_name_the_reason(value: object, reason: str) -> None:
    with pytest.raises(ValidationError, match="cannot be read") as raised:
        parse_timestamp(value)
    assert reason in raised.value.problems[0]["reason"]


def test_every_bad_value_of_a_list_is_reported() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_timestamps(["2024-01-05", "soon", 1, "later"])
    assert [problem["row"] for problem in raised.value.problems] == [1, 3]


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(AnalyticsError, match="IANA name"):
        parse_timestamp("2024-01-05", "Mars/Olympus")


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parser_raises_nothing_but_validation_errors(value: object) -> None:
    try:
        parsed = parse_timestamp(value)
    except ValidationError:
        return
    assert isinstance(parsed, datetime) and parsed.tzinfo is None


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)))
def test_naive_iso_strings_round_trip(moment: datetime) -> None:
    assert parse_timestamp(moment.isoformat()) == moment
    assert parse_timestamp(moment.isoformat(sep=" ")) == moment


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 12, 31)),
    st.integers(min_value=-14 * 4, max_value=14 * 4),
)
def test_zoned_iso_strings_round_trip_to_utc(moment: datetime, quarter_hours: int) -> None:
    zoned = moment.replace(tzinfo=timezone(timedelta(minutes=15 * quarter_hours)))
    expected = zoned.astimezone(UTC).replace(tzinfo=None)
    assert parse_timestamp(zoned.isoformat()) == expected
