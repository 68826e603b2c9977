"""Feature adoption: which share of active users use each feature, and how long new users take to start.

Features are the distinct `feature` properties a user's events carry on a day (`user_daily.features`).
- Adoption per period (the filters' grain, periods overlapping the range): users who used the feature
  in the period / users active in it. With activity types chosen, only users active in those count.
- Time to adopt: for users whose first activity falls in the filter range, the days from that first
  active day to the first day they used the feature (0 = the same day); median and 90th percentile
  (linear interpolation) over the users who adopted it; adopted share over all those users.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import numpy as np
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
from analytics.filters import Filters, segment_filter
from analytics.periods import is_complete
from analytics.schema import USER_DAILY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission

ADOPTION_COLUMNS = ["period", "feature", "users_using", "active_users", "adoption_pct", "complete"]
TIME_TO_ADOPT_COLUMNS = ["feature", "users", "adopters", "adopted_pct", "median_days", "p90_days"]


def feature_adoption(
    db: Database, viewer: Viewer, filters: Filters, *, today: date | None = None
) -> pd.DataFrame:
    """Share of each period's active users who used each feature (every period × feature seen).

    Columns: period (date), feature, users_using, active_users, adoption_pct (1 decimal; NaN with no
    active users), complete (False for the period in progress).
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    grain = filters.grain
    low, high = index_of(filters.start, grain), index_of(filters.end, grain)
    first_day, last_day = index_start(low, grain), index_start(high + 1, grain) - timedelta(days=1)

    days = active_days(filters)
    days = days.filter(days.day.between(first_day, last_day))
    active = days.select("user_id", number=period_index(days.day, grain)).distinct()
    daily = segment_filter(analysable(USER_DAILY), filters)
    daily = daily.filter(daily.day.between(first_day, last_day))
    used = daily.select("user_id", number=period_index(daily.day, grain), feature=daily.features.unnest())
    used = used.filter(used.feature.notnull()).distinct()
    if filters.activity_types:
        used = used.semi_join(active, ["user_id", "number"])
    using = db.run(used.group_by("number", "feature").aggregate(users_using=used.count()))
    actives = db.run(active.group_by("number").aggregate(active_users=active.count()))

    features = sorted(using["feature"].unique())
    grid = pd.MultiIndex.from_product([range(low, high + 1), features], names=["number", "feature"])
    frame = using.set_index(["number", "feature"]).reindex(grid).reset_index()
    frame = frame.merge(actives, on="number", how="left")
    frame["users_using"] = int_column(frame["users_using"])
    frame["active_users"] = int_column(frame["active_users"])
    active_users = frame["active_users"].where(frame["active_users"] > 0)
    frame["adoption_pct"] = np.round(100.0 * frame["users_using"] / active_users, 1).astype("float64")
    frame["period"] = [index_start(int(number), grain) for number in frame["number"]]
    today = reporting_today(today)
    frame["complete"] = [is_complete(start, grain, today) for start in frame["period"]]
    return frame[ADOPTION_COLUMNS]


def time_to_adopt(db: Database, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Per feature, how soon users first active in the filter range started using it.

    Columns: feature, users (first active in the range), adopters, adopted_pct (1 decimal),
    median_days, p90_days (days from first activity to first use, over adopters); most adopted first.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    firsts = first_active_days(filters)
    newcomers = firsts.filter(firsts.first_day.between(filters.start, filters.end))
    daily = analysable(USER_DAILY).join(newcomers, "user_id")
    daily = daily.filter(daily.day >= daily.first_day)
    used = daily.select("user_id", "day", "first_day", feature=daily.features.unnest())
    used = used.filter(used.feature.notnull())
    adopted = used.group_by("user_id", "feature").aggregate(
        days=used.day.min().delta(used.first_day.min(), unit="day")
    )
    per_feature = adopted.group_by("feature").aggregate(
        adopters=adopted.count(),
        median_days=adopted.days.quantile(0.5),
        p90_days=adopted.days.quantile(0.9),
    )
    # One query, so the newcomers (a scan of all history) are found once; a feature-less row carries their count.
    population = newcomers.aggregate(adopters=newcomers.count())
    population = population.select(
        feature=ibis.null("string"),
        adopters=population.adopters,
        median_days=ibis.null("float64"),
        p90_days=ibis.null("float64"),
    )
    found = db.run(per_feature.union(population))
    is_population = found["feature"].isna()
    users = int(found.loc[is_population, "adopters"].sum())
    frame = found[~is_population].sort_values(["adopters", "feature"], ascending=[False, True])
    frame.insert(1, "users", users)
    frame["adopters"] = frame["adopters"].astype("int64")
    frame["users"] = frame["users"].astype("int64")
    frame["adopted_pct"] = np.round(100.0 * frame["adopters"] / users, 1) if users else 0.0
    frame["median_days"] = frame["median_days"].astype("float64")
    frame["p90_days"] = frame["p90_days"].astype("float64")
    return frame[TIME_TO_ADOPT_COLUMNS].reset_index(drop=True)
