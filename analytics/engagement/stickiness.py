"""Stickiness: how many days a week (or month) active users come back, and DAU/MAU.

- Stickiness counts user-periods: for each complete week/month overlapping the filter range, each user
  active in it counts once, under the number of days they were active in it. A user active in three
  of the weeks counts three times. Periods still in progress are left out.
- DAU/MAU: for each day, users active that day over users active in the 30 days ending that day.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import (
    active_days,
    check_choice,
    index_of,
    index_start,
    int_column,
    period_index,
    reporting_today,
)
from analytics.filters import Filters, Grain
from analytics.viewer import Viewer
from config.permissions import Permission

STICKINESS_PERIODS: tuple[Grain, ...] = ("week", "month")
MAU_WINDOW_DAYS = 30


def stickiness(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    period: Grain = "week",
    cumulative: bool = False,
    today: date | None = None,
) -> pd.DataFrame:
    """User-periods by active days, from 1 to the longest included period's length (zeros included).

    Columns: active_days, users (exactly that many days; with `cumulative`, at least that many),
    share_pct (of all user-periods, 1 decimal; 0.0 when no complete period overlaps the range).
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    check_choice("stickiness", "period", period, STICKINESS_PERIODS)
    today = reporting_today(today)
    low = index_of(filters.start, period)
    high = min(index_of(filters.end, period), index_of(today, period) - 1)
    longest = 7 if period == "week" else 31
    if high >= low and period == "month":
        longest = max(
            (index_start(n + 1, period) - index_start(n, period)).days for n in range(low, high + 1)
        )

    days = active_days(filters)
    days = days.filter(
        days.day.between(index_start(low, period), index_start(high + 1, period) - timedelta(days=1))
    )
    per_user = days.group_by("user_id", number=period_index(days.day, period)).aggregate(
        active_days=days.count()
    )
    counted = db.run(per_user.group_by("active_days").aggregate(users=per_user.count()))

    frame = pd.DataFrame({"active_days": np.arange(1, longest + 1, dtype="int64")})
    frame = frame.merge(counted.astype({"active_days": "int64"}), on="active_days", how="left")
    frame["users"] = int_column(frame["users"])
    total = int(frame["users"].sum())
    if cumulative:
        frame["users"] = frame["users"][::-1].cumsum()[::-1]
    frame["share_pct"] = np.round(100.0 * frame["users"] / total, 1) if total else 0.0
    return frame


def rolling_active_users(db: Database, filters: Filters, *, window_days: int) -> pd.DataFrame:
    """For each day of the filter range: dau, and `active` = users active in the `window_days` ending that day.

    The caller checks permissions. Columns: day (date), dau, active.
    """
    first = filters.start - timedelta(days=window_days - 1)
    days = active_days(filters)
    days = days.filter(days.day.between(first, filters.end))
    # Each user-day keeps its user in the window from that day until `window_days` later or their next
    # active day, whichever comes first; these spans never overlap, so the count is a running sum of
    # starts minus ends.
    following = days.day.lead().over(group_by="user_id", order_by="day")
    spans = days.mutate(following=following)
    window_end = (spans.day + ibis.interval(days=window_days)).cast("date")
    spans = spans.mutate(until=ibis.least(spans.following.fill_null(window_end), window_end))
    starts = db.run(spans.group_by("day").aggregate(dau=spans.count()))
    ends = db.run(spans.group_by(day=spans.until).aggregate(ended=spans.count()))

    calendar = pd.DataFrame(
        {"day": [first + timedelta(days=n) for n in range((filters.end - first).days + 1)]}
    )
    for found in (starts, ends):
        found["day"] = pd.to_datetime(found["day"]).dt.date
    frame = calendar.merge(starts, on="day", how="left").merge(ends, on="day", how="left")
    frame["dau"] = int_column(frame["dau"])
    frame["active"] = (frame["dau"] - int_column(frame["ended"])).cumsum().astype("int64")
    return frame[frame["day"] >= filters.start].reset_index(drop=True)[["day", "dau", "active"]]


def dau_mau(db: Database, viewer: Viewer, filters: Filters, *, today: date | None = None) -> pd.DataFrame:
    """Daily and rolling-30-day active users for each day of the filter range.

    Columns: day (date), dau, mau (users active in the 30 days ending that day), stickiness_pct
    (dau / mau, 1 decimal; NaN when mau is 0), complete (False for today).
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    frame = rolling_active_users(db, filters, window_days=MAU_WINDOW_DAYS).rename(columns={"active": "mau"})
    frame["stickiness_pct"] = np.round(100.0 * frame["dau"] / frame["mau"].where(frame["mau"] > 0), 1)
    frame["complete"] = frame["day"] < reporting_today(today)
    return frame[["day", "dau", "mau", "stickiness_pct", "complete"]]
