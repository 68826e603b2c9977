"""The overview's numbers: headline KPIs against the previous period, and daily active users.

Days are reporting-zone calendar days (the rollups are built in that zone); a period is inclusive of
both ends and is compared with the period of the same length just before it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.schema import SESSIONS, USER_DAILY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

KPI_NAMES = ("active_users", "new_users", "events", "sessions")


def _check_period(start: date, end: date) -> int:
    if end < start:
        raise AnalyticsError(f"The period must end on or after its start. Got start={start}, end={end}.")
    return (end - start).days + 1


def local_midnight_utc(day: date, zone: str) -> datetime:
    """The naive-UTC instant at which `day` begins in `zone` (how local days map onto stored times)."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def data_days(db: Database, viewer: Viewer) -> tuple[date, date] | None:
    """First and last reporting-zone day with any activity, or None for an empty database."""
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    daily = analysable(USER_DAILY)
    found = db.run(daily.aggregate(first=daily.day.min(), last=daily.day.max()))
    first, last = found.iloc[0]["first"], found.iloc[0]["last"]
    if pd.isna(first):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def overview_kpis(db: Database, viewer: Viewer, *, start: date, end: date) -> pd.DataFrame:
    """Headline figures for [start, end] and the equally long period before it.

    Columns: metric (one of KPI_NAMES), value, previous, change_pct (None when previous is 0).
    - active_users: distinct users with at least one event in the period;
    - new_users: users whose first event ever falls in the period;
    - events: events in the period;
    - sessions: sessions that started in the period.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    length_days = _check_period(start, end)
    previous_start = start - timedelta(days=length_days)
    zone = load_settings().reporting_timezone

    daily = analysable(USER_DAILY)
    window = daily.filter(daily.day.between(previous_start, end))
    current = window.day >= start
    activity = db.run(
        window.aggregate(
            active_users=window.user_id.nunique(where=current),
            previous_active_users=window.user_id.nunique(where=~current),
            events=window.event_count.sum(where=current),
            previous_events=window.event_count.sum(where=~current),
        )
    ).iloc[0]

    first_days = daily.group_by("user_id").aggregate(first_day=daily.day.min())
    newcomers = first_days.filter(first_days.first_day.between(previous_start, end))
    new = db.run(
        newcomers.aggregate(
            new_users=(newcomers.first_day >= start).sum(),
            previous_new_users=(newcomers.first_day < start).sum(),
        )
    ).iloc[0]

    sessions = analysable(SESSIONS)
    split = local_midnight_utc(start, zone)
    period_end = local_midnight_utc(end + timedelta(days=1), zone)
    in_range = sessions.filter(
        (sessions.started_at >= local_midnight_utc(previous_start, zone)) & (sessions.started_at < period_end)
    )
    started = db.run(
        in_range.aggregate(
            sessions=(in_range.started_at >= ibis.literal(split)).sum(),
            previous_sessions=(in_range.started_at < ibis.literal(split)).sum(),
        )
    ).iloc[0]

    values = {
        "active_users": (activity["active_users"], activity["previous_active_users"]),
        "new_users": (new["new_users"], new["previous_new_users"]),
        "events": (activity["events"], activity["previous_events"]),
        "sessions": (started["sessions"], started["previous_sessions"]),
    }
    rows = []
    for name in KPI_NAMES:
        value, previous = (0 if pd.isna(v) else int(v) for v in values[name])
        change = round(100.0 * (value - previous) / previous, 1) if previous else None
        rows.append({"metric": name, "value": value, "previous": previous, "change_pct": change})
    return pd.DataFrame(rows)


def daily_active_users(db: Database, viewer: Viewer, *, start: date, end: date) -> pd.DataFrame:
    """One row per day in [start, end], zeros included. Columns: day (date), active_users."""
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    _check_period(start, end)
    daily = analysable(USER_DAILY)
    in_range = daily.filter(daily.day.between(start, end))
    counted = db.run(in_range.group_by("day").aggregate(active_users=in_range.user_id.nunique()))
    counted["day"] = pd.to_datetime(counted["day"]).dt.date
    every_day = pd.DataFrame({"day": [start + timedelta(days=i) for i in range((end - start).days + 1)]})
    merged = every_day.merge(counted, on="day", how="left").fillna({"active_users": 0})
    return merged.astype({"active_users": "int64"})
