"""Every period of a filter's range, and which of them count towards trends."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from analytics.filters import Filters, period_end
from analytics.periods import is_complete


def first_period(day: date, grain: str) -> date:
    """The first day of the day/week (Monday)/month holding `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def period_starts(filters: Filters) -> list[date]:
    """The first day of every period that overlaps [filters.start, filters.end], in order."""
    starts = [first_period(filters.start, filters.grain)]
    while (following := period_end(starts[-1], filters.grain) + timedelta(days=1)) <= filters.end:
        starts.append(following)
    return starts


def mark_periods(
    frame: pd.DataFrame, filters: Filters, *, today: date, period_col: str = "period"
) -> pd.DataFrame:
    """Add `complete`: the period lies wholly inside the filter's days and ended before `today`.

    Periods cut by the filter or still in progress hold fewer days, so trends leave them out.
    """
    marked = frame.copy()
    marked["complete"] = [
        start >= filters.start
        and period_end(start, filters.grain) <= filters.end
        and is_complete(start, filters.grain, today)
        for start in (pd.Timestamp(p).date() for p in marked[period_col])
    ]
    return marked
