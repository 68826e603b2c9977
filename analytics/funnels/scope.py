"""What funnels and paths read: the UTC bounds of the filter period and the activity types in the data."""

from __future__ import annotations

from datetime import datetime, timedelta

from analytics.db import Database
from analytics.filters import Filters
from analytics.periods import local_midnight_utc


def period_bounds(filters: Filters, zone: str) -> tuple[datetime, datetime]:
    """The naive-UTC instants [low, high) of the filters' reporting-zone days."""
    return local_midnight_utc(filters.start, zone), local_midnight_utc(filters.end + timedelta(days=1), zone)


def all_activity_types(db: Database) -> list[str]:
    """Every activity type in the data, sorted (from the rollup: a scan of a few million short rows)."""
    return [name for (name,) in db.rows("SELECT DISTINCT activity_type FROM user_daily_activity ORDER BY 1")]


def all_known(db: Database, names: list[object]) -> bool:
    """True when every name is an activity type in the data; one LIMIT 1 lookup per name, which stops at the first match."""
    return all(
        isinstance(name, str)
        and db.rows("SELECT 1 FROM user_daily_activity WHERE activity_type = ? LIMIT 1", [name])
        for name in dict.fromkeys(names)
    )
