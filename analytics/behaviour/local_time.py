"""Reporting-zone wall-clock time of stored UTC instants, and the sessions that start within a period.

DuckDB's `timezone()` converts through ICU at about 5M rows/s on two cores; here the zone's UTC offsets
over the period are worked out once in Python (`zoneinfo`) and applied as a CASE over a handful of
transition instants, which runs about ten times faster and is exact on both sides of every DST change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from analytics.filters import Filters, period_start, segment_filter
from analytics.periods import local_midnight_utc
from analytics.rollups import checked_zone
from analytics.schema import EVENTS, SESSIONS, analysable

_STEP = timedelta(days=1)


def _offset_minutes(zone: ZoneInfo, moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds() // 60)


def zone_offsets(zone: str, start: datetime, end: datetime) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offset (minutes) over naive-UTC [start, end]: [(from, offset), ...], first from=None.

    Each later entry starts at the naive-UTC minute at which the offset changes (found by bisection).
    """
    info = ZoneInfo(checked_zone(zone))
    spans: list[tuple[datetime | None, int]] = [(None, _offset_minutes(info, start))]
    # Whole minutes throughout, so that every bisection step lands on a minute strictly inside (low, high).
    moment = start.replace(second=0, microsecond=0)
    end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while moment < end:
        following = min(moment + _STEP, end)
        after = _offset_minutes(info, following)
        if after != spans[-1][1]:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = (low + (high - low) / 2).replace(second=0, microsecond=0)
                if _offset_minutes(info, middle) == after:
                    high = middle
                else:
                    low = middle
            spans.append((high, after))
        moment = following
    return spans


def local_timestamp(
    column: ir.TimestampValue, zone: str, first_day: date, last_day: date
) -> ir.TimestampValue:
    """The naive wall-clock time in `zone` of the naive-UTC `column`, exact for days [first_day, last_day]."""
    spans = zone_offsets(
        zone, local_midnight_utc(first_day, zone), local_midnight_utc(last_day + timedelta(days=1), zone)
    )
    if len(spans) == 1:
        offset: ir.IntegerValue = ibis.literal(spans[0][1])
    else:
        branches = [(column < ibis.literal(begins), before) for (_, before), (begins, _) in pairwise(spans)]
        offset = ibis.cases(*branches, else_=spans[-1][1])
    return column if spans == [(None, 0)] else column + offset.as_interval("m")


def period_sessions(filters: Filters, zone: str) -> ir.Table:
    """Analysable sessions started on the period's reporting-zone days, in the filters' segment.

    Adds `local_start` (wall-clock start), `local_day` and `period` (first day of its grain period).
    With activity types chosen, only sessions holding at least one event of those types are kept.
    """
    sessions = segment_filter(analysable(SESSIONS), filters)
    low = ibis.literal(local_midnight_utc(filters.start, zone))
    high = ibis.literal(local_midnight_utc(filters.end + timedelta(days=1), zone))
    sessions = sessions.filter((sessions.started_at >= low) & (sessions.started_at < high))
    if filters.activity_types:
        # A session's events lie between its start and end, which bounds the scan of raw events.
        events = EVENTS.filter(
            EVENTS.activity_type.isin(list(filters.activity_types))
            & (EVENTS.timestamp >= low)
            & (EVENTS.timestamp <= sessions.ended_at.max())
        )
        sessions = sessions.semi_join(events, ["user_id", "session_id"])
    local_start = local_timestamp(sessions.started_at, zone, filters.start, filters.end)
    sessions = sessions.mutate(local_start=local_start, local_day=local_start.date())
    return sessions.mutate(period=period_start(sessions.local_day, filters.grain))
