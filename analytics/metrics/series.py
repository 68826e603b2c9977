"""A metric spec computed as a time series over the filters' days, at their grain and in their segment.

Everything but `avg:` of properties without a rollup reads the derived tables (user_daily,
user_daily_activity, sessions), so a two-year daily series costs one scan of a rollup.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.behaviour.local_time import local_timestamp
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters, Grain, literal_day, period_end, period_start, segment_filter
from analytics.json_fields import json_number
from analytics.metrics.spec import ROLLUP_PROPERTIES, MetricSpec
from analytics.periods import is_complete, local_midnight_utc, today_in_zone
from analytics.schema import EVENTS, SESSIONS, USER_DAILY, USER_DAILY_ACTIVITY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings


def local_day(utc_column: ir.TimestampValue, zone: str, filters: Filters) -> ir.DateValue:
    """The reporting-zone calendar day of a naive-UTC timestamp column on the filters' days (DST-exact).

    Built from the zone's offsets (`local_timestamp`) rather than an engine's own zone function, so it
    runs the same on DuckDB and Spark.
    """
    return local_timestamp(utc_column, zone, filters.start, filters.end).date()


def period_starts(start: date, end: date, grain: Grain) -> list[date]:
    """The first day of every day/week (Monday)/month overlapping [start, end], in order."""
    first = start
    if grain == "week":
        first = start - timedelta(days=start.weekday())
    elif grain == "month":
        first = start.replace(day=1)
    starts = [first]
    while (following := period_end(starts[-1], grain) + timedelta(days=1)) <= end:
        starts.append(following)
    return starts


def metric_series(
    db: Database, viewer: Viewer, spec: MetricSpec, filters: Filters, *, today: date | None = None
) -> pd.DataFrame:
    """`spec` per period of the filters (days start..end, grain, segment).

    Columns: period (date, first day of the period), value (float), complete (bool: the period lies
    wholly in [start, end] and ended before `today`, so it can be compared with others). Every period is
    present: counts are 0 where nothing happened, ratios and means NaN where the denominator is 0.
    The spec names activity types itself, so `filters.activity_types` must be empty.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    if filters.activity_types:
        raise AnalyticsError(
            f"Metric {spec.text!r} names its activity types itself (count:A, users:A, ratio:A/B); "
            f"leave the activity-type filter empty. Got {list(filters.activity_types)}."
        )
    zone = load_settings().reporting_timezone
    found = _aggregate(db, spec, filters, zone)
    # Sums of integer columns come back as decimals; every figure is a float from here on.
    found = found.astype({column: "float64" for column in found.columns if column != "period"})
    found["period"] = pd.to_datetime(found["period"]).dt.date
    periods = pd.DataFrame({"period": period_starts(filters.start, filters.end, filters.grain)})
    series = periods.merge(found, on="period", how="left")
    if spec.is_count:
        values = series["value"].fillna(0)
    else:
        # A period with B but no A has a null numerator: its ratio is 0, not unknown.
        values = series["numerator"].fillna(0) / series["denominator"].replace(0, np.nan)
    today = today or today_in_zone(zone)
    complete = [
        start >= filters.start
        and period_end(start, filters.grain) <= filters.end
        and is_complete(start, filters.grain, today)
        for start in series["period"]
    ]
    return pd.DataFrame({"period": series["period"], "value": values.astype("float64"), "complete": complete})


def _aggregate(db: Database, spec: MetricSpec, filters: Filters, zone: str) -> pd.DataFrame:
    """Rows (period, value) for counts or (period, numerator, denominator), only periods with data."""
    grain = filters.grain
    if spec.kind in ("events", "active_users") or spec.property_name in ROLLUP_PROPERTIES:
        daily = _in_days(segment_filter(analysable(USER_DAILY), filters), filters)
        grouped = daily.group_by(period=period_start(daily.day, grain))
        if spec.kind == "events":
            return db.run(grouped.aggregate(value=daily.event_count.sum()))
        if spec.kind == "active_users":
            return db.run(grouped.aggregate(value=daily.user_id.nunique()))
        return db.run(
            grouped.aggregate(
                numerator=daily[f"{spec.property_name}_sum"].sum(),
                denominator=daily[f"{spec.property_name}_count"].sum(),
            )
        )
    if spec.kind == "new_users":
        daily = segment_filter(analysable(USER_DAILY), filters)
        firsts = daily.group_by("user_id").aggregate(day=daily.day.min())
        firsts = _in_days(firsts, filters)
        return db.run(firsts.group_by(period=period_start(firsts.day, grain)).aggregate(value=firsts.count()))
    if spec.kind == "sessions":
        sessions = _in_instants(segment_filter(analysable(SESSIONS), filters), "started_at", filters, zone)
        day = local_day(sessions.started_at, zone, filters)
        return db.run(sessions.group_by(period=period_start(day, grain)).aggregate(value=sessions.count()))
    if spec.kind in ("count", "users", "ratio"):
        typed = _in_days(segment_filter(analysable(USER_DAILY_ACTIVITY), filters), filters)
        names = [spec.activity] if spec.kind != "ratio" else [spec.activity, spec.denominator]
        typed = typed.filter(typed.activity_type.isin(names))
        grouped = typed.group_by(period=period_start(typed.day, grain))
        if spec.kind == "count":
            return db.run(grouped.aggregate(value=typed.event_count.sum()))
        if spec.kind == "users":
            return db.run(grouped.aggregate(value=typed.user_id.nunique()))
        return db.run(
            grouped.aggregate(
                numerator=typed.event_count.sum(where=typed.activity_type == spec.activity),
                denominator=typed.event_count.sum(where=typed.activity_type == spec.denominator),
            )
        )
    events = _in_instants(segment_filter(analysable(EVENTS), filters), "timestamp", filters, zone)
    measured = events.mutate(number=json_number(events.properties, spec.property_name))
    measured = measured.filter(measured.number.notnull())
    day = local_day(measured.timestamp, zone, filters)
    return db.run(
        measured.group_by(period=period_start(day, grain)).aggregate(
            numerator=measured.number.sum(), denominator=measured.count()
        )
    )


def _in_days(table: ir.Table, filters: Filters) -> ir.Table:
    return table.filter(table.day.between(literal_day(filters.start), literal_day(filters.end)))


def _in_instants(table: ir.Table, column: str, filters: Filters, zone: str) -> ir.Table:
    """Rows whose UTC `column` falls on a reporting-zone day in [start, end]."""
    low = ibis.literal(local_midnight_utc(filters.start, zone), type="timestamp")
    high = ibis.literal(local_midnight_utc(filters.end + timedelta(days=1), zone), type="timestamp")
    return table.filter((table[column] >= low) & (table[column] < high))
