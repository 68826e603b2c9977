"""Calendar periods in the reporting zone: today's date there, and which periods are complete."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.filters import Grain, period_end


def local_midnight_utc(day: date, zone: str) -> datetime:
    """The naive-UTC instant at which `day` begins in `zone` (how local days map onto stored times)."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def today_in_zone(zone: str, now: datetime | None = None) -> date:
    """The current calendar day in `zone` (periods that reach it are still in progress)."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date()


def is_complete(start: date, grain: Grain, today: date) -> bool:
    """True when the period beginning on `start` ended before `today`."""
    return period_end(start, grain) < today


def mark_complete(frame: pd.DataFrame, *, period_col: str, grain: Grain, today: date) -> pd.DataFrame:
    """Add a boolean `complete` column: False for periods still in progress (left out of averages)."""
    marked = frame.copy()
    marked["complete"] = [is_complete(pd.Timestamp(p).date(), grain, today) for p in marked[period_col]]
    return marked
