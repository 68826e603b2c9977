"""When people use the product: sessions by weekday and hour of the reporting zone.

Counted from `sessions` (about a tenth of the rows of `events`): each session, with all its events,
belongs to the local hour in which it started.
"""

from __future__ import annotations

import pandas as pd

from analytics.behaviour.local_time import period_sessions
from analytics.db import Database
from analytics.filters import Filters
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def activity_heatmap(db: Database, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """All 168 weekday × hour cells, zeros included.

    Columns: weekday (0 = Monday .. 6), weekday_name, hour (0..23, local, DST-correct), sessions
    (started in the cell), events (events of those sessions), users (distinct users starting one).
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    sessions = period_sessions(filters, load_settings().reporting_timezone)
    cells = sessions.mutate(
        weekday=sessions.local_start.day_of_week.index(), hour=sessions.local_start.hour()
    )
    counted = db.run(
        cells.group_by(["weekday", "hour"]).aggregate(
            sessions=cells.count(), events=cells.event_count.sum(), users=cells.user_id.nunique()
        )
    )
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    full = (
        counted.astype({"weekday": "int64", "hour": "int64"})
        .set_index(["weekday", "hour"])
        .reindex(grid, fill_value=0)
        .reset_index()
        .astype({"sessions": "int64", "events": "int64", "users": "int64"})
    )
    full.insert(1, "weekday_name", [WEEKDAYS[day] for day in full["weekday"]])
    return full
