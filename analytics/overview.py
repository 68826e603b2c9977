"""The overview's numbers: headline KPIs against the previous period, daily series, and top movers.

Days are reporting-zone calendar days (the rollups are built in that zone); a period is inclusive of
both ends and is compared with the period of the same length just before it. Days that have not ended
yet (today) are marked incomplete and left out of averages and of the rolling WAU/MAU.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import day_bounds, first_active_days, int_column, reporting_today
from analytics.engagement.stickiness import rolling_active_users
from analytics.errors import AnalyticsError
from analytics.filters import Filters, segment_filter
from analytics.schema import SESSIONS, USER_DAILY, USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

KPI_NAMES = ("dau", "wau", "mau", "stickiness_pct", "active_users", "new_users", "sessions", "events")
MOVER_DIMENSIONS = ("country", "plan", "platform")


def data_days(db: Database, viewer: Viewer) -> tuple[date, date] | None:
    """First and last reporting-zone day with any activity, or None for an empty database."""
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    daily = analysable(USER_DAILY)
    found = db.run(daily.aggregate(first=daily.day.min(), last=daily.day.max()))
    first, last = found.iloc[0]["first"], found.iloc[0]["last"]
    if pd.isna(first):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def daily_kpis(db: Database, viewer: Viewer, filters: Filters, *, today: date | None = None) -> pd.DataFrame:
    """One row per day of the period (zeros included), for charts and sparklines.

    Columns: day, dau, wau (users active in the 7 days ending that day), mau (30 days), stickiness_pct
    (dau / mau), new_users (first event ever that day), events, sessions (started that day), complete.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    zone = load_settings().reporting_timezone
    daily = segment_filter(analysable(USER_DAILY), filters)
    in_range = daily.filter(daily.day.between(filters.start, filters.end))
    events = db.run(in_range.group_by("day").aggregate(events=in_range.event_count.sum()))

    firsts = first_active_days(filters)
    firsts = firsts.filter(firsts.first_day.between(filters.start, filters.end))
    new = db.run(firsts.group_by(day=firsts.first_day).aggregate(new_users=firsts.count()))

    bounds = day_bounds(filters.start, filters.end, zone)
    sessions = segment_filter(analysable(SESSIONS), filters)
    started = sessions.join(
        bounds, (sessions.started_at >= bounds.starts_at) & (sessions.started_at < bounds.ends_at)
    )
    counted = db.run(started.group_by("day").aggregate(sessions=started.count()))

    week = rolling_active_users(db, filters, window_days=7).rename(columns={"active": "wau"})
    month = rolling_active_users(db, filters, window_days=30).rename(columns={"active": "mau"})
    frame = week.merge(month[["day", "mau"]], on="day")
    for found in (events, new, counted):
        found["day"] = pd.to_datetime(found["day"]).dt.date
        frame = frame.merge(found, on="day", how="left")
    for column in ("new_users", "events", "sessions"):
        frame[column] = int_column(frame[column])
    frame["stickiness_pct"] = np.round(100.0 * frame["dau"] / frame["mau"].where(frame["mau"] > 0), 1)
    frame["complete"] = frame["day"] < reporting_today(today)
    return frame[
        ["day", "dau", "wau", "mau", "stickiness_pct", "new_users", "events", "sessions", "complete"]
    ]


def _period_figures(days: pd.DataFrame, active_users: int) -> dict[str, float]:
    """The headline figures of one period from its daily rows (complete days only for averages)."""
    complete = days[days["complete"]]
    last = complete.iloc[-1] if len(complete) else None
    dau = float(complete["dau"].mean()) if len(complete) else 0.0
    mau = float(last["mau"]) if last is not None else 0.0
    return {
        "dau": round(dau, 1),
        "wau": float(last["wau"]) if last is not None else 0.0,
        "mau": mau,
        "stickiness_pct": round(100.0 * dau / mau, 1) if mau else 0.0,
        "active_users": float(active_users),
        "new_users": float(days["new_users"].sum()),
        "sessions": float(days["sessions"].sum()),
        "events": float(days["events"].sum()),
    }


@dataclass(frozen=True)
class OverviewFigures:
    """The overview's numbers: `kpis` as documented in overview_kpis, `days` as in daily_kpis."""

    kpis: pd.DataFrame
    days: pd.DataFrame


def overview_figures(
    db: Database, viewer: Viewer, filters: Filters, *, today: date | None = None
) -> OverviewFigures:
    """KPIs and the period's daily series, from one daily series spanning this and the previous period."""
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    before = filters.previous()
    both = daily_kpis(db, viewer, replace(filters, start=before.start), today=today)
    current_days = both[both["day"] >= filters.start].reset_index(drop=True)
    previous_days = both[both["day"] < filters.start].reset_index(drop=True)

    daily = segment_filter(analysable(USER_DAILY), filters)
    window = daily.filter(daily.day.between(before.start, filters.end))
    current = window.day >= filters.start
    active = db.run(
        window.aggregate(
            now=window.user_id.nunique(where=current), before=window.user_id.nunique(where=~current)
        )
    ).iloc[0]
    now_figures = _period_figures(current_days, 0 if pd.isna(active["now"]) else int(active["now"]))
    before_figures = _period_figures(previous_days, 0 if pd.isna(active["before"]) else int(active["before"]))
    rows = []
    for name in KPI_NAMES:
        value, earlier = now_figures[name], before_figures[name]
        change = round(100.0 * (value - earlier) / earlier, 1) if earlier else None
        rows.append({"metric": name, "value": value, "previous": earlier, "change_pct": change})
    return OverviewFigures(kpis=pd.DataFrame(rows), days=current_days)


def overview_kpis(
    db: Database, viewer: Viewer, filters: Filters, *, today: date | None = None
) -> pd.DataFrame:
    """Headline figures of the period against the equally long period before it.

    Columns: metric (one of KPI_NAMES), value, previous, change_pct (None when previous is 0).
    dau is the mean over complete days; wau and mau are the rolling counts on the last complete day;
    stickiness_pct = dau / mau; active_users are distinct users in the whole period; new_users had their
    first event ever in the period; sessions started in it; events happened in it.
    """
    return overview_figures(db, viewer, filters, today=today).kpis


def daily_active_users(db: Database, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """One row per day of the period, zeros included. Columns: day (date), active_users."""
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    daily = segment_filter(analysable(USER_DAILY), filters)
    in_range = daily.filter(daily.day.between(filters.start, filters.end))
    counted = db.run(in_range.group_by("day").aggregate(active_users=in_range.user_id.nunique()))
    counted["day"] = pd.to_datetime(counted["day"]).dt.date
    every_day = pd.DataFrame({"day": [filters.start + timedelta(days=i) for i in range(filters.days)]})
    merged = every_day.merge(counted, on="day", how="left").fillna({"active_users": 0})
    return merged.astype({"active_users": "int64"})


def top_movers(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    dimensions: tuple[str, ...] = MOVER_DIMENSIONS,
    top_n: int = 5,
    min_users: int = 20,
) -> pd.DataFrame:
    """Segments whose active users changed most against the previous period.

    Columns: dimension, value, active_users, previous, change, change_pct; sorted by |change|, at most
    `top_n` rows, only segments with at least `min_users` active users in one of the two periods.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    unknown = sorted(set(dimensions) - set(MOVER_DIMENSIONS))
    if unknown:
        raise AnalyticsError(f"top_movers dimensions must be among {MOVER_DIMENSIONS}. Got {unknown}.")
    before = filters.previous()
    daily = segment_filter(analysable(USER_DAILY), filters)
    both = daily.filter(daily.day.between(before.start, filters.end)).join(USERS, "user_id")
    current = both.day >= filters.start
    found = []
    for dimension in dimensions:
        grouped = db.run(
            both.group_by(value=both[dimension]).aggregate(
                active_users=both.user_id.nunique(where=current),
                previous=both.user_id.nunique(where=~current),
            )
        )
        found.append(grouped.assign(dimension=dimension))
    movers = pd.concat(found, ignore_index=True).dropna(subset=["value"])
    movers = movers[(movers["active_users"] >= min_users) | (movers["previous"] >= min_users)].copy()
    movers["change"] = movers["active_users"] - movers["previous"]
    movers["change_pct"] = np.round(
        100.0 * movers["change"] / movers["previous"].where(movers["previous"] > 0), 1
    )
    movers["size"] = movers["change"].abs()
    movers = movers.sort_values(["size", "dimension", "value"], ascending=[False, True, True]).head(top_n)
    columns = ["dimension", "value", "active_users", "previous", "change", "change_pct"]
    return movers[columns].reset_index(drop=True)
