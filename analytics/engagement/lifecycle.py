"""Lifecycle: how each period's active users split into new, returning and resurrecting, and who went dormant.

PostHog's definitions, per period of the filters' grain (the periods overlapping the filter range):
- new: active in the period, which holds their first activity ever (first event, not import time);
- returning: active in the period and in the one before;
- resurrecting: active in the period, not in the one before, but at some time before that;
- dormant: active in the period before, not in this one; reported as a negative count.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import (
    active_days,
    first_active_days,
    index_of,
    index_start,
    int_column,
    period_index,
    reporting_today,
)
from analytics.filters import Filters
from analytics.periods import is_complete
from analytics.viewer import Viewer
from config.permissions import Permission

STATUSES = ("new", "returning", "resurrecting", "dormant")
ONE_DAY = timedelta(days=1)


def lifecycle(db: Database, viewer: Viewer, filters: Filters, *, today: date | None = None) -> pd.DataFrame:
    """Users per period and lifecycle status, every status of every period present (zeros included).

    Columns: period (date: first day), status (one of STATUSES), users (dormant negative),
    complete (False for the period in progress).
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    grain = filters.grain
    low, high = index_of(filters.start, grain), index_of(filters.end, grain)
    days = active_days(filters)
    firsts = first_active_days(filters)
    firsts = firsts.select("user_id", first_number=period_index(firsts.first_day, grain))
    recent = days.filter(
        days.day.between(index_start(low - 1, grain), index_start(high + 1, grain) - ONE_DAY)
    )
    active = recent.select("user_id", number=period_index(recent.day, grain)).distinct()
    before = active.select("user_id", number=active.number + 1, was_active=ibis.literal(True))

    current = active.filter(active.number >= low).join(firsts, "user_id")
    current = current.left_join(before, ["user_id", "number"])
    status = ibis.cases(
        (current.first_number == current.number, "new"),
        (current.was_active.notnull(), "returning"),
        else_="resurrecting",
    )
    statused = current.select("user_id", "number", status=status)
    gone = before.filter(before.number.between(low, high)).anti_join(active, ["user_id", "number"])
    statused = statused.union(gone.select("user_id", "number", status=ibis.literal("dormant")))
    counted = db.run(statused.group_by("number", "status").aggregate(users=statused.count()))

    grid = pd.MultiIndex.from_product([range(low, high + 1), STATUSES], names=["number", "status"])
    frame = counted.set_index(["number", "status"]).reindex(grid).reset_index()
    frame["users"] = int_column(frame["users"])
    frame.loc[frame["status"] == "dormant", "users"] *= -1
    frame["period"] = [index_start(int(number), grain) for number in frame["number"]]
    today = reporting_today(today)
    frame["complete"] = [is_complete(start, grain, today) for start in frame["period"]]
    return frame[["period", "status", "users", "complete"]]
