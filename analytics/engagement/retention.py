"""Retention cohorts: of the users who did the start event in a period, how many came back N periods later.

- Cohorts are the `period`s overlapping the filter range. `first_time`: a user belongs to the cohort of
  the period of their first start event ever (users whose first one is older are in no cohort of the
  range); `recurring`: a user enters the cohort of every period in which they did the start event.
- `calendar` window: period N is the calendar day/week/month N periods after the cohort's.
  `rolling_24h` window (daily only): period N is [t0 + N·24 h, t0 + (N+1)·24 h), t0 being the user's
  first start event of the cohort day.
- `on`: a return event in exactly period N; `on_or_after`: in period N or any later one, up to today.
- A cell is complete when its period (rolling: every member's window) ended before today; averages use
  complete cells only. Events of None mean any activity (of the filters' activity types, if chosen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.engagement.activity import (
    active_days,
    active_events,
    check_choice,
    day_bounds,
    first_active_days,
    index_of,
    index_start,
    period_index,
    reporting_today,
    utc_instant,
)
from analytics.errors import AnalyticsError
from analytics.filters import Filters, Grain
from analytics.schema import USER_DAILY
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

PERIODS: tuple[Grain, ...] = ("day", "week", "month")
COHORT_MODES = ("first_time", "recurring")
RETURN_MODES = ("on", "on_or_after")
WINDOWS = ("calendar", "rolling_24h")
SECONDS_PER_DAY = 86_400
MATRIX_COLUMNS = ["cohort", "cohort_size", "period_number", "retained_users", "retention_pct", "complete"]


@dataclass(frozen=True)
class _Spec:
    """The validated options of one retention question."""

    period: Grain
    cohort_mode: str
    start_event: str | None
    return_event: str | None
    return_mode: str
    window: str
    today: date


def _spec(function: str, **options: object) -> _Spec:
    check_choice(function, "period", options["period"], PERIODS)
    check_choice(function, "cohort_mode", options["cohort_mode"], COHORT_MODES)
    check_choice(function, "return_mode", options["return_mode"], RETURN_MODES)
    check_choice(function, "window", options["window"], WINDOWS)
    if options["window"] == "rolling_24h" and options["period"] != "day":
        raise AnalyticsError(
            f"The 'window' option of {function} can be 'rolling_24h' only with period='day'. "
            f"Got period={options['period']!r}."
        )
    for name in ("start_event", "return_event"):
        if options[name] is not None and not str(options[name]).strip():
            raise AnalyticsError(
                f"The {name!r} option of {function} must be an activity type or None. Got {options[name]!r}."
            )
    return _Spec(**{**options, "today": reporting_today(options["today"])})


def _entries(filters: Filters, spec: _Spec) -> ir.Table:
    """Cohort entries: user_id, cohort (period index), plus t0 (UTC) for rolling windows."""
    low, high = index_of(filters.start, spec.period), index_of(filters.end, spec.period)
    if spec.cohort_mode == "first_time":
        firsts = first_active_days(filters, activity_type=spec.start_event)
        starts = firsts.select("user_id", day=firsts.first_day)
    else:
        starts = active_days(filters, activity_type=spec.start_event)
    starts = starts.filter(
        starts.day.between(
            index_start(low, spec.period), index_start(high + 1, spec.period) - timedelta(days=1)
        )
    )
    if spec.window == "calendar":
        return starts.select("user_id", cohort=period_index(starts.day, spec.period)).distinct()
    return _with_start_times(filters, spec, starts)


def _with_start_times(filters: Filters, spec: _Spec, entry_days: ir.Table) -> ir.Table:
    """Add t0, the first start event of each entry's day, from rollups or (for typed events) raw events."""
    if spec.start_event is None and not filters.activity_types:
        firsts = USER_DAILY.select("user_id", "day", t0=USER_DAILY.first_event_at)
        timed = entry_days.join(firsts, ["user_id", "day"])
    else:
        # Each entry's day as its UTC bounds, then a join on user_id: cheaper than locating every event's day.
        zone = load_settings().reporting_timezone
        windows = entry_days.join(day_bounds(filters.start, filters.end, zone), "day")
        events = active_events(filters, activity_type=spec.start_event)
        events = events.filter(
            (events.timestamp >= utc_instant(filters.start, zone))
            & (events.timestamp < utc_instant(filters.end + timedelta(days=1), zone))
        )
        located = windows.join(
            events,
            [
                windows.user_id == events.user_id,
                events.timestamp >= windows.starts_at,
                events.timestamp < windows.ends_at,
            ],
        )
        timed = located.group_by("user_id", "day").aggregate(t0=located.timestamp.min())
    return timed.select("user_id", "t0", cohort=period_index(timed.day, "day"))


def _returns(filters: Filters, spec: _Spec, entries: ir.Table, periods: int | None) -> ir.Table:
    """(user_id, cohort, period_number) rows: every period a user returned in ('on', below `periods`),
    or only the last one ('on_or_after')."""
    if spec.window == "rolling_24h":
        return _rolling_returns(filters, spec, entries, periods)
    back = active_days(filters, activity_type=spec.return_event)
    first_day = index_start(index_of(filters.start, spec.period), spec.period)
    back = back.filter(back.day.between(first_day, spec.today))
    back = back.select("user_id", returned=period_index(back.day, spec.period)).distinct()
    if spec.return_mode == "on_or_after":
        back = back.group_by("user_id").aggregate(returned=back.returned.max())
    joined = entries.join(back, "user_id")
    number = joined.returned - joined.cohort
    joined = joined.filter(number >= 0)
    if spec.return_mode == "on" and periods is not None:
        joined = joined.filter(number < periods)
    return joined.select("user_id", "cohort", period_number=number)


def _rolling_returns(filters: Filters, spec: _Spec, entries: ir.Table, periods: int | None) -> ir.Table:
    zone = load_settings().reporting_timezone
    events = active_events(filters, activity_type=spec.return_event)
    events = events.filter(
        (events.timestamp >= utc_instant(filters.start, zone))
        & (events.timestamp < utc_instant(spec.today + timedelta(days=1), zone))
    )
    if spec.return_mode == "on_or_after":
        events = events.group_by("user_id").aggregate(timestamp=events.timestamp.max())
    within = [entries.user_id == events.user_id, events.timestamp >= entries.t0]
    if spec.return_mode == "on" and periods is not None:
        within.append(events.timestamp < entries.t0 + ibis.interval(days=periods))
    joined = entries.join(events, within)
    elapsed_s = joined.timestamp.epoch_seconds() - joined.t0.epoch_seconds()
    number = (elapsed_s // SECONDS_PER_DAY).cast("int64")
    return joined.select(user_id=joined.user_id, cohort=joined.cohort, period_number=number).distinct()


def retention_matrix(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    period: Grain = "week",
    cohort_mode: str = "first_time",
    start_event: str | None = None,
    return_event: str | None = None,
    return_mode: str = "on",
    window: str = "calendar",
    periods: int | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Retention of each cohort in each period after it, in long form, one row per shown cell.

    Cells run from period 0 to the period containing today (at most `periods` of them).
    Columns: cohort (date: first day of the cohort period), cohort_size, period_number (0..),
    retained_users, retention_pct (of cohort_size, 1 decimal), complete (False: period not over).
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    if periods is not None and periods < 1:
        raise AnalyticsError(f"The 'periods' option of retention_matrix must be None or >= 1. Got {periods}.")
    spec = _spec(
        "retention_matrix",
        period=period,
        cohort_mode=cohort_mode,
        start_event=start_event,
        return_event=return_event,
        return_mode=return_mode,
        window=window,
        today=today,
    )
    entries = _entries(filters, spec)
    returns = _returns(filters, spec, entries, periods)
    # One query, so the cohort entries (a scan of all history for first-time cohorts) are built once:
    # rows without a period number carry the cohort sizes.
    sizes = entries.group_by("cohort").aggregate(users=entries.count())
    counts = returns.group_by("cohort", "period_number").aggregate(users=returns.count())
    sizes = sizes.select("cohort", period_number=ibis.null("int64"), users=sizes.users)
    both = db.run(counts.union(sizes))
    is_size = both["period_number"].isna()
    sizes_found = both[is_size].rename(columns={"users": "cohort_size"})
    counts_found = both[~is_size].rename(columns={"users": "retained_users"})
    return _assemble(sizes_found, counts_found, spec, periods)


def _assemble(sizes: pd.DataFrame, counts: pd.DataFrame, spec: _Spec, periods: int | None) -> pd.DataFrame:
    """Lay the counts out on the full grid of shown cells, zeros included, and mark complete cells."""
    today_index = index_of(spec.today, spec.period)
    # A rolling window of day N may end on the day after day N, so it is over one day later.
    lag = 1 if spec.window == "rolling_24h" else 0
    rows = []
    for cohort, size in sorted(
        zip(sizes["cohort"].astype(int), sizes["cohort_size"].astype(int), strict=True)
    ):
        last = today_index - cohort
        if periods is not None:
            last = min(last, periods - 1)
        found = counts[counts["cohort"] == cohort]
        numbers = found["period_number"].to_numpy(dtype="int64")
        retained = found["retained_users"].to_numpy(dtype="int64")
        for number in range(last + 1):
            if spec.return_mode == "on":
                users = int(retained[numbers == number].sum())
            else:
                users = int(retained[numbers >= number].sum())
            complete = index_start(cohort + number + lag + 1, spec.period) <= spec.today
            rows.append((index_start(cohort, spec.period), size, number, users, complete))
    frame = pd.DataFrame(
        rows, columns=["cohort", "cohort_size", "period_number", "retained_users", "complete"]
    )
    frame = frame.astype(
        {"cohort_size": "int64", "period_number": "int64", "retained_users": "int64", "complete": bool}
    )
    frame["retention_pct"] = _pct(frame["retained_users"], frame["cohort_size"])
    return frame[MATRIX_COLUMNS]


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    return pd.Series(np.round(100.0 * part / whole, 1), index=part.index, dtype="float64")


def retention_average(matrix: pd.DataFrame) -> pd.DataFrame:
    """The cohort-size-weighted average retention per period number, over complete cells only.

    Columns: period_number, cohorts (complete cells averaged), cohort_size (their summed sizes),
    retained_users, retention_pct (= retained_users / cohort_size, 1 decimal).
    """
    complete = matrix[matrix["complete"]]
    average = (
        complete.groupby("period_number", as_index=False)
        .agg(
            cohorts=("cohort", "size"),
            cohort_size=("cohort_size", "sum"),
            retained_users=("retained_users", "sum"),
        )
        .astype(
            {"period_number": "int64", "cohorts": "int64", "cohort_size": "int64", "retained_users": "int64"}
        )
    )
    average["retention_pct"] = _pct(average["retained_users"], average["cohort_size"])
    return average


def retention_users(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    cohort: date,
    period_number: int,
    period: Grain = "week",
    cohort_mode: str = "first_time",
    start_event: str | None = None,
    return_event: str | None = None,
    return_mode: str = "on",
    window: str = "calendar",
    today: date | None = None,
) -> pd.DataFrame:
    """The members of one cohort and whether each returned in the cell's period (same options as the matrix).

    Columns: user_id, returned (bool); those who returned first, then by user_id.
    """
    viewer.require_aggregate(Permission.VIEW_USER_ENGAGEMENT)
    spec = _spec(
        "retention_users",
        period=period,
        cohort_mode=cohort_mode,
        start_event=start_event,
        return_event=return_event,
        return_mode=return_mode,
        window=window,
        today=today,
    )
    entries = _entries(filters, spec)
    members = entries.filter(entries.cohort == index_of(cohort, spec.period))
    returns = _returns(filters, spec, members, None)
    hit = (
        returns.period_number == period_number
        if return_mode == "on"
        else returns.period_number >= period_number
    )
    returned = returns.filter(hit).select("user_id").distinct().mutate(returned=True)
    listed = members.select("user_id").left_join(returned, "user_id").select("user_id", "returned")
    users = db.run(listed)
    users["returned"] = users["returned"].fillna(False).astype(bool)
    return users.sort_values(["returned", "user_id"], ascending=[False, True], ignore_index=True)
