"""Which early behaviours go with retention (Compass-style), and how performance and engagement correlate.

Cohort: users whose first active day ever falls in the filters' days (segment applied) and whose outcome
window — days RETAINED_FROM_DAY to RETAINED_TO_DAY − 1 after the first (weeks 4 to 7) — ended before
`today` (default: the day after the last day with data, or today if earlier). Retained: active on any day
of that window; not retained counts as churned.

Early behaviours (days 0 to early_days − 1 after the first active day), each a yes/no per user: used
feature X; did activity type T (other than session_start and signup); at least N exercises (5, 10, 20);
active on at least D days (2, 3); accuracy at least A (60%, 70%, 80%; users without answers: no).
For each behaviour with at least MIN_CELL_USERS users on each side, the 2×2 table against retention
gives phi = (n11·n00 − n10·n01) ÷ √(n1··n0·· n·1·n·0) and the chi-square test without continuity
correction (χ² = n·phi², 1 degree of freedom); significant when p < P_MAX.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from analytics.db import Database
from analytics.engagement.activity import reporting_today
from analytics.errors import AnalyticsError
from analytics.filters import Filters, literal_day, segment_filter
from analytics.forecast import cache
from analytics.insights.significance import P_MAX
from analytics.peers import user_metrics
from analytics.schema import USER_DAILY, USER_DAILY_ACTIVITY, analysable
from analytics.viewer import Viewer
from config.permissions import Permission

RETAINED_FROM_DAY, RETAINED_TO_DAY = 28, 56
COHORT_LOOKBACK_DAYS = 365
MIN_CELL_USERS = 10
EXERCISE_THRESHOLDS = (5, 10, 20)
ACTIVE_DAY_THRESHOLDS = (2, 3)
ACCURACY_THRESHOLDS = (0.6, 0.7, 0.8)
SKIPPED_TYPES = ("session_start", "signup")
BEHAVIOUR_COLUMNS = [
    "behaviour",
    "users_with",
    "retained_with_pct",
    "users_without",
    "retained_without_pct",
    "phi",
    "chi2",
    "p_value",
    "significant",
    "goes_with",
]
PERFORMANCE = ("accuracy", "speed_s", "completion_rate", "skill_level")
ENGAGEMENT = ("active_days", "sessions")
EARLY_METRICS = ("early_active_days", "early_exercises", "early_accuracy")
METRIC_COLUMNS = ["x", "y", "method", "r", "p_value", "users", "significant"]


def cohort_filters(filters: Filters, first_day: date) -> Filters:
    """The filters over the COHORT_LOOKBACK_DAYS ending the period (not before `first_day`): the cohort
    pages and the CLI use, since a short period holds no user whose weeks 4 to 7 have ended.
    """
    start = max(first_day, filters.end - timedelta(days=COHORT_LOOKBACK_DAYS - 1))
    return replace(filters, start=min(start, filters.end))


def phi_test(n11: int, n10: int, n01: int, n00: int) -> tuple[float, float, float]:
    """(phi, chi2, p) of a 2×2 table: n11 behaviour and retained, n10 behaviour only, n01 retained only."""
    rows = (n11 + n10, n01 + n00)
    columns = (n11 + n01, n10 + n00)
    denominator = float(np.sqrt(float(rows[0]) * rows[1] * columns[0] * columns[1]))
    if denominator == 0:
        return np.nan, np.nan, np.nan
    phi = (n11 * n00 - n10 * n01) / denominator
    chi2 = (n11 + n10 + n01 + n00) * phi**2
    return float(phi), float(chi2), float(stats.chi2.sf(chi2, 1))


@dataclass(frozen=True)
class _Cohort:
    """The cohort's per-user early figures and outcome, and its (user_id, behaviour) rows of named events."""

    users: ir.Table
    named: ir.Table


def _cohort(db: Database, filters: Filters, early_days: int, today: date | None) -> _Cohort | None:
    """The cohort's tables (module docstring), or None when the data holds no day at all."""
    if (
        isinstance(early_days, bool)
        or not isinstance(early_days, int)
        or not 1 <= early_days <= RETAINED_FROM_DAY
    ):
        raise AnalyticsError(
            f"The 'early_days' option must be an int in [1, {RETAINED_FROM_DAY}]. Got {early_days!r}."
        )
    daily = segment_filter(analysable(USER_DAILY), filters)
    last_day = db.run(daily.day.max()).iloc[0, 0]
    if pd.isna(last_day):
        return None
    observed_until = min(reporting_today(today), pd.Timestamp(last_day).date() + timedelta(days=1))
    latest_first = min(filters.end, observed_until - timedelta(days=RETAINED_TO_DAY))
    first = daily.group_by("user_id").aggregate(first_day=daily.day.min())
    first = first.filter(first.first_day.between(literal_day(filters.start), literal_day(latest_first)))
    joined = daily.join(first, "user_id")
    age = joined.day.delta(joined.first_day, unit="day")
    early = joined.filter(age < early_days)
    per_user = early.group_by("user_id").aggregate(
        early_active_days=early.count(),
        early_exercises=early.exercise_count.sum(),
        early_accuracy=early.accuracy_sum.sum() / early.accuracy_count.sum().nullif(0),
    )
    later = joined.filter(age.between(RETAINED_FROM_DAY, RETAINED_TO_DAY - 1)).select("user_id").distinct()
    marked = later.mutate(back=ibis.literal(True))
    users = per_user.left_join(marked, "user_id").select(per_user, retained=marked.back.notnull())
    features = early.select("user_id", feature=early.features.unnest())  # alone: Spark nests no generator
    used = features.select("user_id", behaviour=ibis.literal("used ") + features.feature)
    typed = segment_filter(analysable(USER_DAILY_ACTIVITY), filters).join(first, "user_id")
    typed = typed.filter(
        (typed.day.delta(typed.first_day, unit="day") < early_days) & ~typed.activity_type.isin(SKIPPED_TYPES)
    )
    did = typed.select("user_id", behaviour=ibis.literal("did ") + typed.activity_type)
    return _Cohort(users=users, named=used.union(did, distinct=True))


def early_cohort(
    db: Database, filters: Filters, *, early_days: int = 7, today: date | None = None
) -> pd.DataFrame:
    """One row per cohort user: user_id, early_active_days, early_exercises, early_accuracy, retained.

    Remembered per data version: behaviour_correlations and metric_correlations both need it.
    """

    def compute() -> pd.DataFrame:
        cohort = _cohort(db, filters, early_days, today)
        return pd.DataFrame() if cohort is None else db.run(cohort.users.order_by("user_id"))

    key = ("early_cohort", str(db.path), db.view_version, filters, early_days, reporting_today(today))
    return cache.remembered(key, compute).copy()


def _threshold_flags(users: pd.DataFrame) -> dict[str, np.ndarray]:
    """The threshold behaviours as boolean arrays over the cohort's users."""
    flags: dict[str, np.ndarray] = {}
    for count in EXERCISE_THRESHOLDS:
        flags[f"≥ {count} exercises"] = (users["early_exercises"].fillna(0) >= count).to_numpy()
    for days in ACTIVE_DAY_THRESHOLDS:
        flags[f"active on ≥ {days} days"] = (users["early_active_days"] >= days).to_numpy()
    for share in ACCURACY_THRESHOLDS:
        flags[f"accuracy ≥ {share:.0%}"] = (users["early_accuracy"].fillna(-1) >= share).to_numpy()
    return flags


def behaviour_correlations(
    db: Database, viewer: Viewer, filters: Filters, *, early_days: int = 7, today: date | None = None
) -> pd.DataFrame:
    """One row per early behaviour with enough users on both sides, strongest |phi| first.

    Columns: BEHAVIOUR_COLUMNS (percentages with 1 decimal; goes_with is "retention" for phi > 0, else
    "churn"). Empty when no cohort user's outcome window has ended.
    """
    viewer.require_aggregate(Permission.VIEW_USER_INSIGHTS)
    users = early_cohort(db, filters, early_days=early_days, today=today)
    cohort = None if users.empty else _cohort(db, filters, early_days, today)
    if cohort is None:
        return pd.DataFrame(columns=BEHAVIOUR_COLUMNS)
    retained = users["retained"].to_numpy(dtype=bool)
    # (behaviour, users who did it, retained among them): thresholds here, named events counted in SQL.
    counts = [
        (name, int(flag.sum()), int((flag & retained).sum()))
        for name, flag in _threshold_flags(users).items()
    ]
    named = cohort.named.join(cohort.users.select("user_id", "retained"), "user_id")
    summed = db.run(
        named.group_by("behaviour").aggregate(users=named.count(), back=named.retained.cast("int64").sum())
    )
    counts += [
        (row.behaviour, int(row.users), int(row.back)) for row in summed.sort_values("behaviour").itertuples()
    ]
    total, total_retained = len(users), int(retained.sum())
    rows = []
    for name, with_n, n11 in counts:
        without_n = total - with_n
        if with_n < MIN_CELL_USERS or without_n < MIN_CELL_USERS:
            continue
        n10, n01 = with_n - n11, total_retained - n11
        phi, chi2, p_value = phi_test(n11, n10, n01, without_n - n01)
        rows.append(
            {
                "behaviour": name,
                "users_with": with_n,
                "retained_with_pct": round(100 * n11 / with_n, 1),
                "users_without": without_n,
                "retained_without_pct": round(100 * n01 / without_n, 1),
                "phi": round(phi, 4),
                "chi2": round(chi2, 3),
                "p_value": p_value,
                "significant": bool(p_value < P_MAX),
                "goes_with": "retention" if phi > 0 else "churn",
            }
        )
    table = pd.DataFrame(rows, columns=BEHAVIOUR_COLUMNS)
    order = table["phi"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


def metric_correlations(
    db: Database,
    viewer: Viewer,
    filters: Filters,
    *,
    cohort: Filters | None = None,
    early_days: int = 7,
    today: date | None = None,
) -> pd.DataFrame:
    """Pearson r of each performance metric with each engagement metric over users active in the period,
    and point-biserial r of early metrics with retention over the cohort of `behaviour_correlations` for
    `cohort` (default: the same filters).

    Columns: METRIC_COLUMNS (users: pairs with both values; significant: p < P_MAX).
    """
    viewer.require_aggregate(Permission.VIEW_USER_INSIGHTS)
    metrics = db.run(user_metrics(filters))
    rows = []
    for x in PERFORMANCE:
        for y in ENGAGEMENT:
            rows.append(_correlation(metrics[x], metrics[y], x, y, "pearson"))
    users = early_cohort(db, cohort or filters, early_days=early_days, today=today)
    if not users.empty:
        for x in EARLY_METRICS:
            rows.append(_correlation(users[x], users["retained"], x, "retained", "point_biserial"))
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def _correlation(x: pd.Series, y: pd.Series, x_name: str, y_name: str, method: str) -> dict[str, object]:
    pairs = pd.DataFrame({"x": pd.to_numeric(x, errors="coerce"), "y": pd.to_numeric(y, errors="coerce")})
    pairs = pairs.dropna()
    r = p_value = np.nan
    if len(pairs) >= 3 and pairs["x"].nunique() > 1 and pairs["y"].nunique() > 1:
        test = stats.pointbiserialr if method == "point_biserial" else stats.pearsonr
        result = test(pairs["y"], pairs["x"]) if method == "point_biserial" else test(pairs["x"], pairs["y"])
        r, p_value = float(result.statistic), float(result.pvalue)
    return {
        "x": x_name,
        "y": y_name,
        "method": method,
        "r": r,
        "p_value": p_value,
        "users": len(pairs),
        "significant": bool(p_value < P_MAX) if np.isfinite(p_value) else False,
    }
