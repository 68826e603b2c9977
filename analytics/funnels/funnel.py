"""Funnels: of the users who did step 1 in the period, how many went on to each later step within a window.

Definitions (order modes, window, dropped versus still in window, time to convert, breakdown and its
significance test) are in docs/metrics/funnels-paths.md; the per-user matching is in `progress`.
The sidebar's activity-type filter does not apply: the steps name the activity types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.funnels.figures import (
    histogram,
    segment_tables,
    significance,
    step_table,
    step_times,
    top_segments,
)
from analytics.funnels.progress import FunnelSpec, check_spec, progress_query
from analytics.funnels.scope import all_activity_types, all_known
from analytics.viewer import Viewer
from config.permissions import Permission
from config.settings import load_settings

OUTCOMES = ("converted", "dropped")
USER_COLUMNS = ["user_id", "entered_at", "reached_at"]


@dataclass(frozen=True)
class FunnelResult:
    """A funnel's figures; every frame's columns are listed in analytics.funnels.figures.

    - `steps`: one row per step (STEP_COLUMNS) over all entered users;
    - `time_to_convert`: histogram of seconds from step 1 to the last step (HISTOGRAM_COLUMNS);
    - `breakdown`: `segment` + STEP_COLUMNS per breakdown value (empty without a breakdown);
    - `significance`: each value's overall conversion against the rest (SIGNIFICANCE_COLUMNS).
    """

    steps: pd.DataFrame
    time_to_convert: pd.DataFrame
    breakdown: pd.DataFrame
    significance: pd.DataFrame
    window_s: int
    order: str
    now: datetime

    @property
    def entered(self) -> int:
        """Users who entered the funnel (did step 1 in the period)."""
        return int(self.steps["users"].iloc[0])

    @property
    def converted(self) -> int:
        """Users who reached the last step within their window."""
        return int(self.steps["users"].iloc[-1])


def known_activity_types(db: Database, viewer: Viewer) -> list[str]:
    """The activity types present in the data, sorted (funnel steps and path anchors choose from these)."""
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    return all_activity_types(db)


def checked_spec(
    db: Database, function: str, *, steps: list[str], window_s: int, order: str, breakdown: str | None = None
) -> FunnelSpec:
    """Validate funnel options; the full list of activity types is only read to explain an unknown step."""
    names = list(steps) if isinstance(steps, list | tuple) else []
    known = names if names and all_known(db, names) else all_activity_types(db)
    return check_spec(function, steps, window_s, order, breakdown, known)


def utc_now(now: datetime | None) -> datetime:
    """`now` (tests inject it) or the current time, as naive UTC like stored timestamps."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _per_user(db: Database, filters: Filters, spec: FunnelSpec, now: datetime) -> pd.DataFrame:
    """One row per entered user: segment, open, s_1..s_N (seconds from entry to each step)."""
    sql, params = progress_query(filters, spec, load_settings().reporting_timezone, now)
    seconds = ", ".join(
        f"max(epoch_us(reached_at) - epoch_us(entered_at)) FILTER (WHERE step = {number}) / 1e6 AS s_{number}"
        for number in range(1, len(spec.steps) + 1)
    )
    return db.query(
        f"WITH progress AS ({sql}) SELECT any_value(segment) AS segment, any_value(open) AS open, {seconds} "
        "FROM progress GROUP BY user_id",
        params,
    )


def funnel(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    steps: list[str],
    window_s: int,
    order: str = "sequential",
    breakdown: str | None = None,
    max_segments: int = 20,
    now: datetime | None = None,
) -> FunnelResult:
    """Conversion through `steps` (2-10 activity types) within `window_s` seconds of entering.

    `order` is "strict", "sequential" or "any"; `breakdown` a segment key (plan, country, platform,
    signup_cohort, attr.NAME) whose `max_segments` largest values are shown, the rest pooled as "(other)".
    `now` decides whose window is still open (those users are not counted as dropped).
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    spec = checked_spec(db, "funnel", steps=steps, window_s=window_s, order=order, breakdown=breakdown)
    if isinstance(max_segments, bool) or not isinstance(max_segments, int) or max_segments < 1:
        raise AnalyticsError(
            f"The 'max_segments' option of funnel must be an int >= 1. Got {max_segments!r}."
        )
    moment = utc_now(now)
    wide = _per_user(db, filters, spec, moment)
    times = step_times(wide, len(spec.steps))
    open_window = wide["open"].to_numpy(dtype=bool)
    converted = ~np.isnan(times[:, -1])
    segments = None if breakdown is None else top_segments(wide["segment"].astype(str), max_segments)
    return FunnelResult(
        steps=step_table(times, open_window, spec.steps),
        time_to_convert=histogram(times[converted, -1]),
        breakdown=segment_tables(segments, times, open_window, spec.steps),
        significance=significance(segments, converted),
        window_s=spec.window_s,
        order=spec.order,
        now=moment,
    )


def funnel_users(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    steps: list[str],
    window_s: int,
    order: str = "sequential",
    step: int,
    outcome: str = "converted",
    now: datetime | None = None,
) -> pd.DataFrame:
    """The users behind one step of `funnel`: user_id, entered_at, reached_at (UTC), oldest entry first.

    converted: users who reached `step` (reached_at = when). dropped: users who reached step - 1 but not
    `step` and whose window has closed (reached_at = when they reached step - 1).
    """
    viewer.require_aggregate(Permission.VIEW_USER_BEHAVIOR)
    spec = checked_spec(db, "funnel_users", steps=steps, window_s=window_s, order=order)
    if outcome not in OUTCOMES:
        raise AnalyticsError(
            f"The 'outcome' option of funnel_users must be one of {', '.join(map(repr, OUTCOMES))}. Got {outcome!r}."
        )
    first = 1 if outcome == "converted" else 2
    if isinstance(step, bool) or not isinstance(step, int) or not first <= step <= len(spec.steps):
        raise AnalyticsError(
            f"The 'step' option of funnel_users must be an int in [{first}, {len(spec.steps)}] for "
            f"outcome={outcome!r}. Got {step!r}."
        )
    sql, params = progress_query(filters, spec, load_settings().reporting_timezone, utc_now(now))
    if outcome == "converted":
        listing = "SELECT user_id, entered_at, reached_at FROM progress WHERE step = $step"
    else:
        listing = (
            "SELECT user_id, entered_at, max(reached_at) AS reached_at FROM progress "
            "GROUP BY user_id, entered_at, open HAVING max(step) = $step - 1 AND NOT open"
        )
    frame = db.query(
        f"WITH progress AS ({sql}) {listing} ORDER BY entered_at, user_id", {**params, "step": step}
    )
    return frame[USER_COLUMNS]
