"""Plain pandas versions of what the dashboard pages compute, the baseline `bench.pages` times them against.

Each entry of `PAGES` computes one page's numbers on first load (`PageView`: the sidebar's default 28
days) from the events DataFrame of `bench.pandas_frames.load` alone: no rollups, and nothing kept from
one page to the next (each page derives its own sessions or user-days), as a notebook that loads the raw
events would. The results carry the names of the page's calls, so `differences` can check them against
what the page got (tests/bench/test_pandas_reference.py does it on the seeded data set). Steps that are
numpy/pandas/scikit-learn/Prophet code already (retention averages, funnel step tables, KMeans, Prophet)
are the analytics' own functions: the comparison is about getting the numbers out of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.anomalies import HISTORY_DAYS, anomalies_in_series
from analytics.engagement import band_counts, retention_average
from analytics.engagement.activity import index_of, index_start
from analytics.engagement.adoption import ADOPTION_COLUMNS, TIME_TO_ADOPT_COLUMNS
from analytics.engagement.lifecycle import STATUSES
from analytics.engagement.retention import MATRIX_COLUMNS
from analytics.engagement.score import BIN_WIDTH, WEIGHTS, band_of
from analytics.filters import Filters, period_end
from analytics.forecast import forecast_series
from analytics.overview import KPI_NAMES, MOVER_DIMENSIONS
from analytics.periods import is_complete
from bench.pandas_behaviour import behaviour, performance
from bench.pandas_frames import (
    KEY_SPAN,
    ONE_DAY,
    Frames,
    PageView,
    at,
    between,
    data_days,
    day_bounds,
    first_days,
    local_start,
    period_index,
    rolling_active,
    session_table,
    user_days,
)
from bench.pandas_paths import funnels, paths

RETENTION_PERIODS = 12
"""Weeks shown per cohort on the engagement page (ui.engagement_controls.PERIOD_COUNTS)."""
MOVERS_TOP_N, MOVERS_MIN_USERS = 5, 20


def overview(frames: Frames, view: PageView) -> dict[str, Any]:
    """KPIs against the previous period, the daily DAU/WAU/MAU series, and the top moving segments."""
    events, filters = frames.events, view.filters
    days = user_days(events)
    firsts = first_days(days)["day"]
    before = filters.previous()
    started = session_table(events, *day_bounds(frames, before.start, filters.end))
    sessions_per_day = local_start(frames, started).dt.floor("D").value_counts()
    series = {
        period: _daily_kpis(events, days, firsts, sessions_per_day, period, view.today)
        for period in (filters, before)
    }
    figures = {period: _period_figures(days, period, series[period]) for period in (filters, before)}
    rows = []
    for name in KPI_NAMES:
        value, earlier = figures[filters][name], figures[before][name]
        change = round(100.0 * (value - earlier) / earlier, 1) if earlier else None
        rows.append({"metric": name, "value": value, "previous": earlier, "change_pct": change})
    return {
        "data_days": data_days(frames),
        "overview_figures": {"kpis": pd.DataFrame(rows), "days": series[filters]},
        "top_movers": _top_movers(frames, days, filters),
    }


def _daily_kpis(
    events: pd.DataFrame,
    days: pd.DataFrame,
    firsts: pd.Series,
    sessions_per_day: pd.Series,
    filters: Filters,
    today: date,
) -> pd.DataFrame:
    week = rolling_active(days, filters.start, filters.end, window_days=7).rename(columns={"active": "wau"})
    month = rolling_active(days, filters.start, filters.end, window_days=30)
    frame = week.assign(mau=month["active"])
    every = pd.DatetimeIndex(pd.to_datetime(frame["day"]))
    in_range = events["day"][between(events["day"], filters.start, filters.end)]
    frame["stickiness_pct"] = np.round(100.0 * frame["dau"] / frame["mau"].where(frame["mau"] > 0), 1)
    frame["new_users"] = firsts.value_counts().reindex(every, fill_value=0).to_numpy(dtype="int64")
    frame["events"] = in_range.value_counts().reindex(every, fill_value=0).to_numpy(dtype="int64")
    frame["sessions"] = sessions_per_day.reindex(every, fill_value=0).to_numpy(dtype="int64")
    frame["complete"] = frame["day"] < today
    return frame[
        ["day", "dau", "wau", "mau", "stickiness_pct", "new_users", "events", "sessions", "complete"]
    ]


def _period_figures(days: pd.DataFrame, filters: Filters, daily: pd.DataFrame) -> dict[str, float]:
    complete = daily[daily["complete"]]
    last = complete.iloc[-1] if len(complete) else None
    dau = float(complete["dau"].mean()) if len(complete) else 0.0
    mau = float(last["mau"]) if last is not None else 0.0
    return {
        "dau": round(dau, 1),
        "wau": float(last["wau"]) if last is not None else 0.0,
        "mau": mau,
        "stickiness_pct": round(100.0 * dau / mau, 1) if mau else 0.0,
        "active_users": float(days.loc[between(days["day"], filters.start, filters.end), "uid"].nunique()),
        "new_users": float(daily["new_users"].sum()),
        "sessions": float(daily["sessions"].sum()),
        "events": float(daily["events"].sum()),
    }


def _top_movers(frames: Frames, days: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    before = filters.previous()
    both = days[between(days["day"], before.start, filters.end)]
    current = (both["day"] >= at(filters.start)).to_numpy()
    found = []
    for dimension in MOVER_DIMENSIONS:
        values = frames.users[dimension].to_numpy()[both["uid"].to_numpy()]
        grouped = pd.DataFrame(
            {
                "active_users": both["uid"][current].groupby(values[current]).nunique(),
                "previous": both["uid"][~current].groupby(values[~current]).nunique(),
            }
        ).fillna(0)
        found.append(grouped.rename_axis("value").reset_index().assign(dimension=dimension))
    movers = pd.concat(found, ignore_index=True).dropna(subset=["value"])
    movers = movers[
        (movers["active_users"] >= MOVERS_MIN_USERS) | (movers["previous"] >= MOVERS_MIN_USERS)
    ].copy()
    movers["change"] = movers["active_users"] - movers["previous"]
    movers["change_pct"] = np.round(
        100.0 * movers["change"] / movers["previous"].where(movers["previous"] > 0), 1
    )
    movers = movers.reindex(movers["change"].abs().sort_values(ascending=False).index).head(MOVERS_TOP_N)
    return movers[["dimension", "value", "active_users", "previous", "change", "change_pct"]].reset_index(
        drop=True
    )


def engagement(frames: Frames, view: PageView) -> dict[str, Any]:
    """Retention (weekly, first time, any activity), lifecycle, stickiness, DAU/MAU, scores and adoption."""
    events, filters, today = frames.events, view.filters, view.today
    days = user_days(events)
    firsts = first_days(days)
    matrix = _retention(days, firsts, filters, today)
    distribution = _score_distribution(frames, days, filters)
    return {
        "data_days": data_days(frames),
        "activity_types": sorted(events["activity_type"].unique()),
        "retention_matrix": matrix,
        "retention_average": retention_average(matrix),
        "lifecycle": _lifecycle(days, firsts, filters, today),
        "stickiness": _stickiness(days, filters, today),
        "dau_mau": _dau_mau(days, filters, today),
        "engagement_distribution": distribution,
        "band_counts": band_counts(distribution),
        "feature_adoption": _adoption(events, days, filters, today),
        "time_to_adopt": _time_to_adopt(events, firsts, filters),
    }


def _retention(days: pd.DataFrame, firsts: pd.DataFrame, filters: Filters, today: date) -> pd.DataFrame:
    low, high = index_of(filters.start, "week"), index_of(filters.end, "week")
    first_day, last_day = index_start(low, "week"), index_start(high + 1, "week") - ONE_DAY
    entries = firsts[between(firsts["day"], first_day, last_day)]
    cohort_of = pd.Series(period_index(entries["day"], "week").to_numpy(), index=entries["uid"].to_numpy())
    back = days[between(days["day"], first_day, today)]
    back = pd.DataFrame({"uid": back["uid"], "returned": period_index(back["day"], "week")}).drop_duplicates()
    back["cohort"] = back["uid"].map(cohort_of)
    back = back.dropna(subset=["cohort"])
    back["number"] = back["returned"] - back["cohort"].astype("int64")
    back = back[(back["number"] >= 0) & (back["number"] < RETENTION_PERIODS)]
    counts = back.groupby(["cohort", "number"]).size()
    today_index = index_of(today, "week")
    rows = []
    for cohort, size in sorted(cohort_of.value_counts().items()):
        for number in range(min(today_index - cohort, RETENTION_PERIODS - 1) + 1):
            complete = index_start(cohort + number + 1, "week") <= today
            users = int(counts.get((cohort, number), 0))
            rows.append((index_start(cohort, "week"), int(size), number, users, complete))
    frame = pd.DataFrame(
        rows, columns=["cohort", "cohort_size", "period_number", "retained_users", "complete"]
    )
    frame["retention_pct"] = np.round(100.0 * frame["retained_users"] / frame["cohort_size"], 1)
    return frame[MATRIX_COLUMNS]


def _lifecycle(days: pd.DataFrame, firsts: pd.DataFrame, filters: Filters, today: date) -> pd.DataFrame:
    grain = filters.grain
    low, high = index_of(filters.start, grain), index_of(filters.end, grain)
    recent = days[between(days["day"], index_start(low - 1, grain), index_start(high + 1, grain) - ONE_DAY)]
    active = pd.DataFrame({"uid": recent["uid"], "number": period_index(recent["day"], grain)})
    active = active.drop_duplicates()
    keys = (active["uid"] * KEY_SPAN + active["number"]).to_numpy()
    first_number = period_index(firsts["day"], grain).to_numpy()  # firsts holds every uid, in uid order
    current = active[active["number"] >= low]
    was_active = np.isin(keys[(active["number"] >= low).to_numpy()] - 1, keys)
    status = np.where(
        first_number[current["uid"]] == current["number"].to_numpy(),
        "new",
        np.where(was_active, "returning", "resurrecting"),
    )
    following = active["number"] + 1
    gone = following.between(low, high) & ~np.isin(keys + 1, keys)
    counted = pd.concat(
        [
            pd.DataFrame({"number": current["number"].to_numpy(), "status": status}),
            pd.DataFrame({"number": following[gone].to_numpy(), "status": "dormant"}),
        ]
    ).value_counts()
    grid = pd.MultiIndex.from_product([range(low, high + 1), STATUSES], names=["number", "status"])
    frame = counted.reindex(grid, fill_value=0).rename("users").reset_index()
    frame["users"] = frame["users"].astype("int64")
    frame.loc[frame["status"] == "dormant", "users"] *= -1
    frame["period"] = [index_start(int(number), grain) for number in frame["number"]]
    frame["complete"] = [is_complete(start, grain, today) for start in frame["period"]]
    return frame[["period", "status", "users", "complete"]]


def _stickiness(days: pd.DataFrame, filters: Filters, today: date) -> pd.DataFrame:
    low = index_of(filters.start, "week")
    high = min(index_of(filters.end, "week"), index_of(today, "week") - 1)
    picked = days[between(days["day"], index_start(low, "week"), index_start(high + 1, "week") - ONE_DAY)]
    per_user = picked.groupby([picked["uid"], period_index(picked["day"], "week")]).size()
    frame = pd.DataFrame({"active_days": np.arange(1, 8, dtype="int64")})
    frame["users"] = (
        per_user.value_counts().reindex(frame["active_days"], fill_value=0).to_numpy(dtype="int64")
    )
    total = int(frame["users"].sum())
    frame["share_pct"] = np.round(100.0 * frame["users"] / total, 1) if total else 0.0
    return frame


def _dau_mau(days: pd.DataFrame, filters: Filters, today: date) -> pd.DataFrame:
    frame = rolling_active(days, filters.start, filters.end, window_days=30).rename(columns={"active": "mau"})
    frame["stickiness_pct"] = np.round(100.0 * frame["dau"] / frame["mau"].where(frame["mau"] > 0), 1)
    frame["complete"] = frame["day"] < today
    return frame


def _score_distribution(frames: Frames, days: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    events, as_of = frames.events, filters.end
    window_start = as_of - 27 * ONE_DAY
    picked = days[between(days["day"], min(filters.start, window_start), as_of)]
    population = picked.loc[picked["day"] >= at(filters.start), "uid"].unique()
    last_day = picked.groupby("uid")["day"].max().reindex(population)
    frequency = picked[picked["day"] >= at(window_start)].groupby("uid").size()
    recent = events[between(events["day"], window_start, as_of)]
    breadth = recent.groupby("uid")["feature"].nunique()
    sessions = session_table(events, *day_bounds(frames, window_start, as_of))
    depth = sessions.groupby("uid")["event_count"].mean()
    components = {
        "recency": 1 - np.minimum((at(as_of) - last_day).dt.days, 28) / 28,
        "frequency": np.minimum(frequency.reindex(population, fill_value=0), 20) / 20,
        "breadth": np.minimum(breadth.reindex(population, fill_value=0), 5) / 5,
        "depth": np.minimum(depth.reindex(population, fill_value=0.0), 20) / 20,
    }
    weighted = sum(WEIGHTS[name] * value.to_numpy(dtype=float) for name, value in components.items())
    score = np.floor(100 * weighted + 0.5).astype("int64")  # SQL ROUND: halves away from zero
    binned = np.minimum(score // BIN_WIDTH * BIN_WIDTH, 100 - BIN_WIDTH)
    frame = pd.DataFrame({"score_from": np.arange(0, 100, BIN_WIDTH, dtype="int64")})
    frame["score_to"] = frame["score_from"] + BIN_WIDTH
    frame["band"] = [band_of(score) for score in frame["score_from"]]
    frame["users"] = np.bincount(binned // BIN_WIDTH, minlength=len(frame)).astype("int64")
    total = int(frame["users"].sum())
    frame["share_pct"] = np.round(100.0 * frame["users"] / total, 1) if total else 0.0
    return frame


def _adoption(events: pd.DataFrame, days: pd.DataFrame, filters: Filters, today: date) -> pd.DataFrame:
    grain = filters.grain
    low, high = index_of(filters.start, grain), index_of(filters.end, grain)
    first_day, last_day = index_start(low, grain), index_start(high + 1, grain) - ONE_DAY
    picked = days[between(days["day"], first_day, last_day)]
    active = picked.groupby(period_index(picked["day"], grain))["uid"].nunique()
    used = events[between(events["day"], first_day, last_day) & events["feature"].notna()]
    used = pd.DataFrame(
        {"number": period_index(used["day"], grain), "feature": used["feature"], "uid": used["uid"]}
    ).drop_duplicates()
    using = used.groupby(["number", "feature"]).size()
    grid = pd.MultiIndex.from_product(
        [range(low, high + 1), sorted(used["feature"].unique())], names=["number", "feature"]
    )
    frame = using.reindex(grid, fill_value=0).rename("users_using").reset_index()
    frame["active_users"] = frame["number"].map(active).fillna(0).astype("int64")
    active_users = frame["active_users"].where(frame["active_users"] > 0)
    frame["adoption_pct"] = np.round(100.0 * frame["users_using"] / active_users, 1).astype("float64")
    frame["period"] = [index_start(int(number), grain) for number in frame["number"]]
    frame["complete"] = [is_complete(start, grain, today) for start in frame["period"]]
    return frame[ADOPTION_COLUMNS]


def _time_to_adopt(events: pd.DataFrame, firsts: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    newcomers = firsts[between(firsts["day"], filters.start, filters.end)]
    first_of = pd.Series(newcomers["day"].to_numpy(), index=newcomers["uid"].to_numpy())
    used = events[events["uid"].isin(first_of.index) & events["feature"].notna()]
    adopted = used.groupby(["uid", "feature"], as_index=False)["day"].min()
    adopted["days"] = (adopted["day"] - adopted["uid"].map(first_of)).dt.days
    frame = adopted.groupby("feature", as_index=False)["days"].agg(
        adopters="size",
        median_days=lambda days: days.quantile(0.5),
        p90_days=lambda days: days.quantile(0.9),
    )
    frame = frame.sort_values(["adopters", "feature"], ascending=[False, True])
    users = len(first_of)
    frame["users"] = users
    frame["adopted_pct"] = np.round(100.0 * frame["adopters"] / users, 1) if users else 0.0
    return frame[TIME_TO_ADOPT_COLUMNS]


def forecasts(frames: Frames, view: PageView) -> dict[str, Any]:
    """Daily events over all history, forecast 30 days ahead, and the anomalies of the last 28 days."""
    filters = view.filters
    per_day = frames.events.groupby("day").size()

    def daily(start: date) -> pd.DataFrame:
        days = pd.date_range(at(start), at(filters.end), freq="D")
        complete = [
            day.date() >= start and period_end(day.date(), "day") <= filters.end and day.date() < view.today
            for day in days
        ]
        series = pd.DataFrame(
            {"period": days.date, "value": per_day.reindex(days, fill_value=0).astype("float64")}
        )
        return series[complete]

    fitted = forecast_series(
        daily(view.first_day),
        grain="day",
        horizon_days=30,
        non_negative=True,
        date_col="period",
        value_col="value",
    )
    anomalies = anomalies_in_series(
        daily(filters.start - HISTORY_DAYS * ONE_DAY),
        start=filters.start,
        grain="day",
        is_count=True,
        date_col="period",
        value_col="value",
    )
    return {
        "data_days": data_days(frames),
        "forecast": {
            "history": fitted.history,
            "forecast": fitted.with_interval(0.8).forecast,
            "model": fitted.model,
        },
        "anomalies": anomalies,
    }


PAGES: dict[str, Callable[[Frames, PageView], dict[str, Any]]] = {
    "pages/overview.py": overview,
    "pages/engagement.py": engagement,
    "pages/behaviour.py": behaviour,
    "pages/performance.py": performance,
    "pages/funnels.py": funnels,
    "pages/paths.py": paths,
    "pages/forecasts.py": forecasts,
}
"""The pages with a pandas version, by the path ui.navigation.PAGES gives them."""
