"""What 'active' means for the engagement metrics, and the integer period numbers they count with.

A user is active on a reporting-zone day when they have any event that day (or, with the filters'
activity types or a named event, an event of those types). Periods are numbered by an integer index
(days, weeks or months since a fixed anchor) so that 'the next period' is index + 1 in any grain.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters, Grain, activity_filter, period_start, segment_filter
from analytics.periods import local_midnight_utc, today_in_zone
from analytics.schema import EVENTS, USER_DAILY, USER_DAILY_ACTIVITY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

ANCHOR_MONDAY = date(1970, 1, 5)
"""Day and week indexes count from this Monday, so week indexes are whole numbers."""


def check_choice(function: str, option: str, value: object, allowed: tuple) -> None:
    """Raise AnalyticsError unless `value` is one of `allowed` (the template every option check uses)."""
    if value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise AnalyticsError(f"The {option!r} option of {function} must be one of {choices}. Got {value!r}.")


def reporting_today(today: date | None) -> date:
    """`today` if given (tests), else the current day in the reporting zone."""
    return today or today_in_zone(load_settings().reporting_timezone)


def activity_types(db: Database, viewer: Viewer) -> list[str]:
    """The activity types present in the data, sorted (for event pickers)."""
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    typed = analysable(USER_DAILY_ACTIVITY)
    return sorted(db.run(typed.select("activity_type").distinct())["activity_type"])


def _active_rows(filters: Filters, activity_type: str | None) -> ir.Table:
    """(user_id, day) rows that make a user active; a user-day may repeat (once per activity type)."""
    if activity_type is None and not filters.activity_types:
        daily = segment_filter(analysable(USER_DAILY), filters)
        return daily.select("user_id", "day")
    typed = segment_filter(analysable(USER_DAILY_ACTIVITY), filters)
    if activity_type is None:
        typed = activity_filter(typed, filters)
    else:
        typed = typed.filter(typed.activity_type == activity_type)
    return typed.select("user_id", "day")


def active_days(filters: Filters, *, activity_type: str | None = None) -> ir.Table:
    """Distinct (user_id, day) on which consenting users of the segment were active, over all time.

    With `activity_type`, only days with an event of that type count; otherwise the filters' activity
    types (all types when none are chosen).
    """
    rows = _active_rows(filters, activity_type)
    typed = activity_type is not None or bool(filters.activity_types)
    return rows.distinct() if typed else rows


def first_active_days(filters: Filters, *, activity_type: str | None = None) -> ir.Table:
    """Each user's first active day ever (user_id, first_day), by the rule of `active_days`.

    The one part of the engagement metrics that reads all history (every user-day row).
    """
    rows = _active_rows(filters, activity_type)
    return rows.group_by("user_id").aggregate(first_day=rows.day.min())


def active_events(filters: Filters, *, activity_type: str | None = None) -> ir.Table:
    """Raw (user_id, timestamp) events that make a user active, with the same rule as `active_days`."""
    events = segment_filter(analysable(EVENTS), filters)
    if activity_type is None:
        events = activity_filter(events, filters)
    else:
        events = events.filter(events.activity_type == activity_type)
    return events.select("user_id", "timestamp")


def period_index(day: ir.DateValue, grain: Grain) -> ir.IntegerValue:
    """The number of the day/week/month containing `day`; consecutive periods differ by one."""
    if grain == "month":
        return day.year() * 12 + day.month() - 1
    days = period_start(day, grain).delta(ibis.literal(ANCHOR_MONDAY), unit="day")
    return days if grain == "day" else days // 7


def index_of(day: date, grain: Grain) -> int:
    """`period_index` for a Python date."""
    if grain == "month":
        return day.year * 12 + day.month - 1
    days = (day - ANCHOR_MONDAY).days
    return days if grain == "day" else days // 7


def index_start(index: int, grain: Grain) -> date:
    """The first day of the period numbered `index`."""
    if grain == "month":
        return date(index // 12, index % 12 + 1, 1)
    return ANCHOR_MONDAY + timedelta(days=index if grain == "day" else 7 * index)


def day_bounds(first: date, last: date, zone: str) -> ir.Table:
    """A small table of reporting-zone days with their UTC bounds [starts_at, ends_at) (DST-exact)."""
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    starts = [local_midnight_utc(day, zone) for day in days]
    ends = [*starts[1:], local_midnight_utc(last + timedelta(days=1), zone)]
    frame = pd.DataFrame(
        {"day": pd.Series(days, dtype="date32[pyarrow]"), "starts_at": starts, "ends_at": ends}
    )
    return ibis.memtable(frame.astype({"starts_at": "datetime64[us]", "ends_at": "datetime64[us]"}))


def utc_instant(day: date, zone: str) -> ir.TimestampScalar:
    """The naive-UTC instant at which reporting-zone `day` begins, as an Ibis literal."""
    moment: datetime = local_midnight_utc(day, zone)
    return ibis.literal(moment, type="timestamp")


def int_column(values: pd.Series) -> pd.Series:
    """Counts as int64 with missing values as 0 (outer joins leave gaps)."""
    return values.fillna(0).astype("int64")
