"""The filters every dashboard shares: period, grain, segment and activity types.

`Filters` is plain data: it round-trips through a URL query string (so a view can be shared as a link)
and narrows Ibis tables (`segment_filter`, `activity_filter`). Segment keys are validated against a fixed
list, so nothing a user types becomes an identifier in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir

from analytics.errors import AnalyticsError
from analytics.json_fields import json_text
from analytics.schema import USERS

Grain = Literal["day", "week", "month"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month")
USER_COLUMNS = ("plan", "country", "platform")
SEGMENT_KEYS_HELP = "plan, country, platform, signup_cohort (YYYY-MM) or attr.NAME"
_ATTRIBUTE_KEY = re.compile(r"^attr\.([A-Za-z0-9_]{1,64})$")
_COHORT = re.compile(r"^\d{4}-\d{2}$")
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
"""The days a request may name: beyond them, date arithmetic and pandas' nanosecond timestamps overflow."""


@dataclass(frozen=True)
class Filters:
    """What a dashboard shows: days [start, end] (reporting zone), grain, segment, activity types."""

    start: date
    end: date
    grain: Grain = "day"
    segment: tuple[tuple[str, str], ...] = field(default=())
    activity_types: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise AnalyticsError(
                f"The period must end on or after its start. Got start={self.start}, end={self.end}."
            )
        if self.grain not in GRAINS:
            raise AnalyticsError(f"The grain must be one of {', '.join(GRAINS)}. Got {self.grain!r}.")
        for key, value in self.segment:
            check_segment(key, value)

    @property
    def days(self) -> int:
        """Length of the period in days, both ends included."""
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The same filters over the equally long period just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def to_query(self) -> dict[str, str]:
        """The filters as URL query parameters."""
        query = {"start": self.start.isoformat(), "end": self.end.isoformat(), "grain": self.grain}
        if self.segment:
            query["segment"] = ",".join(f"{key}={value}" for key, value in self.segment)
        if self.activity_types:
            query["activity"] = ",".join(self.activity_types)
        return query

    @classmethod
    def from_query(cls, query: dict[str, str], *, default_start: date, default_end: date) -> Filters:
        """Read filters from URL query parameters; missing ones take the defaults, bad ones raise."""
        start = _parse_day(query.get("start"), "start", default_start)
        end = _parse_day(query.get("end"), "end", default_end)
        grain = query.get("grain") or "day"
        segment = tuple(parse_segment(query["segment"])) if query.get("segment") else ()
        activity = tuple(sorted({a.strip() for a in query.get("activity", "").split(",") if a.strip()}))
        return cls(start=start, end=end, grain=grain, segment=segment, activity_types=activity)


def _parse_day(raw: str | None, name: str, default: date) -> date:
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise AnalyticsError(f"The {name!r} filter must be a date like 2024-01-31. Got {raw!r}.") from exc
    return check_day(day, name)


def check_day(day: date, name: str) -> date:
    """`day` when it lies in [EARLIEST_DAY, LATEST_DAY]; otherwise AnalyticsError naming `name`."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise AnalyticsError(
            f"The {name!r} day must be between {EARLIEST_DAY} and {LATEST_DAY}. Got {day.isoformat()}."
        )
    return day


def check_segment(key: str, value: str) -> None:
    """Raise AnalyticsError unless `key=value` is a segment Pulse understands."""
    if key not in USER_COLUMNS and key != "signup_cohort" and not _ATTRIBUTE_KEY.match(key):
        raise AnalyticsError(f"Unknown segment key {key!r}; use {SEGMENT_KEYS_HELP}.")
    if key == "signup_cohort" and not _COHORT.match(value):
        raise AnalyticsError(f"The signup_cohort segment must look like 2024-01. Got {value!r}.")
    if not value:
        raise AnalyticsError(f"The segment {key!r} needs a value, as in {key}=VALUE.")


def parse_segment(text: str) -> list[tuple[str, str]]:
    """Parse 'plan=pro,country=DE' into sorted (key, value) pairs."""
    pairs = []
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise AnalyticsError(f"A segment must look like KEY=VALUE ({SEGMENT_KEYS_HELP}). Got {part!r}.")
        check_segment(key.strip(), value.strip())
        pairs.append((key.strip(), value.strip()))
    return sorted(pairs)


def segment_users(segment: tuple[tuple[str, str], ...]) -> ir.Table | None:
    """User ids matching every segment condition, or None when there is no segment."""
    if not segment:
        return None
    users = USERS
    for key, value in segment:
        if key in USER_COLUMNS:
            users = users.filter(users[key] == value)
        elif key == "signup_cohort":
            users = users.filter(users.signup_at.strftime("%Y-%m") == value)
        else:
            name = _ATTRIBUTE_KEY.match(key).group(1)
            users = users.filter(json_text(users.attributes, name) == value)
    return users.select("user_id")


def segment_filter(table: ir.Table, filters: Filters) -> ir.Table:
    """Rows of `table` (with a user_id column) about users in the filters' segment."""
    members = segment_users(filters.segment)
    return table if members is None else table.semi_join(members, "user_id")


def activity_filter(table: ir.Table, filters: Filters) -> ir.Table:
    """Rows of `table` (with an activity_type column) of the chosen activity types, or all."""
    if not filters.activity_types:
        return table
    return table.filter(table.activity_type.isin(list(filters.activity_types)))


def period_start(day: ir.DateValue, grain: Grain) -> ir.DateValue:
    """The first day of the day/week (Monday)/month containing `day`."""
    if grain == "day":
        return day
    return day.truncate("W" if grain == "week" else "M")


def period_end(start: date, grain: Grain) -> date:
    """The last day of the period that begins on `start`."""
    if grain == "day":
        return start
    if grain == "week":
        return start + timedelta(days=6)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def literal_day(value: date) -> ir.DateScalar:
    """A date literal for Ibis comparisons."""
    return ibis.literal(value, type="date")
