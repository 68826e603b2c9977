"""Product insights: ranked statements about all users, each with its number, test and chart link.

Generators (kind — comparison — test; every one applies the filters' segment):
- weekday: mean daily active users on Saturdays and Sundays against Monday–Friday, days of the period
  with activity (Welch's t-test on the daily counts, at least MIN_DAYS days on each side);
- active_users: mean daily active users against the previous period of equal length (Welch, MIN_DAYS);
- retention: each signup cohort's (month of first active day) week-4 retention — active on a day 28–34
  days after the first — against all other cohorts pooled; cohorts started in the 365 days up to the
  period's end whose week 4 ended by then (two-proportion z-test, MIN_GROUP users each side);
- performance: mean per-user accuracy, completion rate and seconds per exercise, for all users and for
  each plan, against the previous period (Welch, MIN_GROUP users each side);
- feature: share of active users who used each feature against the previous period (two-proportion);
- segment: active days per active user of each plan, platform and country against all other users of
  the period (Welch, MIN_GROUP users each side).
Then `significance.rank` keeps p < 0.01 and |effect| ≥ 5%, best score first.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from analytics.db import Database
from analytics.filters import USER_COLUMNS, Filters, literal_day, segment_filter
from analytics.insights.significance import (
    MIN_GROUP,
    Insight,
    link,
    rank,
    relative_effect,
    score,
    two_proportion_p,
    welch_p,
)
from analytics.peers import user_metrics
from analytics.schema import USER_DAILY, USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission

MIN_DAYS = 4
PARALLEL_KINDS = 3
RETENTION_FROM_DAY, RETENTION_TO_DAY = 28, 34
COHORT_LOOKBACK_DAYS = 365
PERFORMANCE = {
    "accuracy": ("Accuracy", "{:.1%}"),
    "completion_rate": ("Completion rate", "{:.1%}"),
    "speed_s": ("Seconds per exercise", "{:.1f} s"),
}


def product_insights(db: Database, viewer: Viewer, filters: Filters, *, max_items: int = 10) -> list[Insight]:
    """The `max_items` best insights about the filters' period that pass the significance filter."""
    viewer.require_aggregate(Permission.VIEW_USER_INSIGHTS)
    kinds = (_weekday, _active_users, _retention, _performance, _features, _segments)
    # The kinds' queries are independent and DuckDB leaves the GIL while it works: at 10M events three
    # at a time take 0.41 s instead of 0.62 s one after another.
    with ThreadPoolExecutor(max_workers=PARALLEL_KINDS) as workers:
        found = list(workers.map(lambda kind: kind(db, filters), kinds))
    return rank([insight for insights in found for insight in insights], max_items)


def _insight(text: str, value: float, baseline: float, p_value: float, kind: str, page: str) -> Insight:
    effect = relative_effect(value, baseline)
    return Insight(
        text=text,
        value=float(value),
        baseline=float(baseline),
        effect=effect,
        p_value=p_value,
        score=score(effect, p_value) if np.isfinite(effect) and np.isfinite(p_value) else 0.0,
        kind=kind,
        link=page,
    )


def _daily_active(db: Database, filters: Filters) -> pd.Series:
    """Active users per day of the period with activity, indexed by day."""
    daily = segment_filter(analysable(USER_DAILY), filters)
    daily = daily.filter(daily.day.between(literal_day(filters.start), literal_day(filters.end)))
    counted = db.run(daily.group_by("day").aggregate(users=daily.count()))
    return counted.set_index(pd.to_datetime(counted["day"]))["users"].astype(float).sort_index()


def _weekday(db: Database, filters: Filters) -> list[Insight]:
    users = _daily_active(db, filters)
    weekend = users.index.dayofweek >= 5
    if weekend.sum() < MIN_DAYS or (~weekend).sum() < MIN_DAYS:
        return []
    value, baseline = users[weekend].mean(), users[~weekend].mean()
    p_value = float(stats.ttest_ind(users[weekend], users[~weekend], equal_var=False).pvalue)
    effect = relative_effect(value, baseline)
    text = (
        f"Weekend activity is {abs(effect):.0%} {'below' if effect < 0 else 'above'} weekdays "
        f"({value:,.0f} vs {baseline:,.0f} daily active users)"
    )
    return [_insight(text, value, baseline, p_value, "weekday", link("pages/behaviour.py", filters))]


def _active_users(db: Database, filters: Filters) -> list[Insight]:
    current, previous = _daily_active(db, filters), _daily_active(db, filters.previous())
    if len(current) < MIN_DAYS or len(previous) < MIN_DAYS:
        return []
    value, baseline = current.mean(), previous.mean()
    p_value = float(stats.ttest_ind(current, previous, equal_var=False).pvalue)
    effect = relative_effect(value, baseline)
    text = (
        f"Daily active users are {abs(effect):.0%} {'higher' if effect > 0 else 'lower'} than in the previous "
        f"{filters.days} days ({value:,.0f} vs {baseline:,.0f} a day)"
    )
    return [_insight(text, value, baseline, p_value, "active_users", link("pages/overview.py", filters))]


def _retention(db: Database, filters: Filters) -> list[Insight]:
    daily = segment_filter(analysable(USER_DAILY), filters)
    daily = daily.filter(daily.day <= literal_day(filters.end))
    first = daily.group_by("user_id").aggregate(first_day=daily.day.min())
    earliest = filters.end - timedelta(days=COHORT_LOOKBACK_DAYS - 1)
    latest = filters.end - timedelta(days=RETENTION_TO_DAY)
    first = first.filter(first.first_day.between(literal_day(earliest), literal_day(latest)))
    joined = daily.join(first, "user_id")
    age = joined.day.delta(joined.first_day, unit="day")
    returned = joined.filter(age.between(RETENTION_FROM_DAY, RETENTION_TO_DAY)).select("user_id").distinct()
    flagged = first.left_join(returned.mutate(back=ibis.literal(1)), "user_id")
    cohorts = db.run(
        flagged.group_by(cohort=flagged.first_day.truncate("M")).aggregate(
            users=flagged.count(), retained=flagged.back.fill_null(0).sum()
        )
    )
    total_users, total_retained = cohorts["users"].sum(), cohorts["retained"].sum()
    found = []
    for row in cohorts.itertuples():
        rest_users, rest_retained = total_users - row.users, total_retained - row.retained
        if row.users < MIN_GROUP or rest_users < MIN_GROUP:
            continue
        value, baseline = row.retained / row.users, rest_retained / rest_users
        points = 100 * (value - baseline)
        text = (
            f"The {pd.Timestamp(row.cohort):%B %Y} cohort retains {abs(points):.1f} points "
            f"{'better' if points > 0 else 'worse'} at week 4 than other cohorts ({value:.1%} vs {baseline:.1%})"
        )
        page = link("pages/engagement.py", filters, start=earliest.isoformat(), grain="week")
        p_value = two_proportion_p(row.retained, row.users, rest_retained, rest_users)
        found.append(_insight(text, value, baseline, p_value, "retention", page))
    return found


def _moments(values: ir.NumericValue) -> dict[str, ir.Scalar]:
    return {"n": values.count(), "mean": values.mean(), "var": values.var(how="sample")}


def _pooled(groups: pd.DataFrame) -> dict[str, float]:
    """Every metric's n, mean and sample variance over all `groups` together, from each group's own
    (the whole population without a second pass over the users)."""
    pooled: dict[str, float] = {}
    for name in PERFORMANCE:
        n, mean, var = (groups[f"{name}__{key}"].astype(float) for key in ("n", "mean", "var"))
        total = n.sum()
        centre = (n * mean.fillna(0)).sum() / total if total else np.nan
        spread = ((n - 1).clip(lower=0) * var.fillna(0)).sum() + (
            n * (mean.fillna(centre) - centre) ** 2
        ).sum()
        pooled |= {
            f"{name}__n": total,
            f"{name}__mean": centre,
            f"{name}__var": spread / (total - 1) if total > 1 else np.nan,
        }
    return pooled


ALL_USERS = "\0all"
NO_PLAN = "\0none"
"""Group labels that no real plan name can take: the whole population, and users without a plan."""


def _performance(db: Database, filters: Filters) -> list[Insight]:
    rows = []
    for period, window in (("current", filters), ("previous", filters.previous())):
        metrics = user_metrics(window).join(USERS.select("user_id", "plan"), "user_id")
        columns = {
            f"{name}__{key}": expr for name in PERFORMANCE for key, expr in _moments(metrics[name]).items()
        }
        by_plan = db.run(metrics.group_by("plan").aggregate(**columns)).assign(period=period)
        by_plan["plan"] = by_plan["plan"].astype(object).where(by_plan["plan"].notna(), NO_PLAN)
        overall = pd.DataFrame([{**_pooled(by_plan), "period": period, "plan": ALL_USERS}])
        rows.extend([by_plan, overall])
    table = pd.concat(rows, ignore_index=True)
    found = []
    for plan, group in table.groupby("plan", sort=True):
        sides = group.set_index("period")
        if not {"current", "previous"} <= set(sides.index):
            continue
        now, before = sides.loc["current"], sides.loc["previous"]
        for name, (label, fmt) in PERFORMANCE.items():
            n_now, n_before = now[f"{name}__n"], before[f"{name}__n"]
            if n_now < MIN_GROUP or n_before < MIN_GROUP:
                continue
            value, baseline = float(now[f"{name}__mean"]), float(before[f"{name}__mean"])
            p_value = welch_p(value, now[f"{name}__var"], n_now, baseline, before[f"{name}__var"], n_before)
            effect = relative_effect(value, baseline)
            who = {ALL_USERS: "all users", NO_PLAN: "users without a plan"}.get(plan, f"{plan} users")
            text = (
                f"{label} of {who} {'rose' if effect > 0 else 'fell'} {abs(effect):.1%} against the previous "
                f"{filters.days} days ({fmt.format(value)} vs {fmt.format(baseline)} per user)"
            )
            query = {} if plan in (ALL_USERS, NO_PLAN) else {"segment": f"plan={plan}"}
            found.append(
                _insight(
                    text,
                    value,
                    baseline,
                    p_value,
                    "performance",
                    link("pages/performance.py", filters, **query),
                )
            )
    return found


def _feature_shares(db: Database, window: Filters) -> tuple[int, pd.Series]:
    daily = segment_filter(analysable(USER_DAILY), window)
    daily = daily.filter(daily.day.between(literal_day(window.start), literal_day(window.end)))
    active = int(db.run(daily.aggregate(users=daily.user_id.nunique()))["users"].iloc[0] or 0)
    used = daily.select("user_id", feature=daily.features.unnest())
    counts = db.run(used.group_by("feature").aggregate(users=used.user_id.nunique()))
    return active, counts.set_index("feature")["users"].astype(float)


def _features(db: Database, filters: Filters) -> list[Insight]:
    active, current = _feature_shares(db, filters)
    active_before, previous = _feature_shares(db, filters.previous())
    if active < MIN_GROUP or active_before < MIN_GROUP:
        return []
    found = []
    for feature, users in current.items():
        users_before = previous.get(feature, 0.0)
        value, baseline = users / active, users_before / active_before
        effect = relative_effect(value, baseline)
        text = (
            f"{feature} was used by {value:.1%} of active users, {'up' if effect > 0 else 'down'} from "
            f"{baseline:.1%} in the previous {filters.days} days"
        )
        p_value = two_proportion_p(users, active, users_before, active_before)
        found.append(
            _insight(text, value, baseline, p_value, "feature", link("pages/engagement.py", filters))
        )
    return found


def _segments(db: Database, filters: Filters) -> list[Insight]:
    metrics = user_metrics(filters).join(USERS.select("user_id", *USER_COLUMNS), "user_id")
    days = metrics.active_days.cast("float64")
    total = db.run(metrics.aggregate(n=metrics.count(), total=days.sum(), squares=(days * days).sum())).iloc[
        0
    ]
    found = []
    for column in USER_COLUMNS:
        groups = db.run(
            metrics.group_by(value=metrics[column]).aggregate(
                n=metrics.count(), total=days.sum(), squares=(days * days).sum()
            )
        )
        for row in groups.dropna(subset=["value"]).itertuples():
            rest_n = total["n"] - row.n
            if row.n < MIN_GROUP or rest_n < MIN_GROUP:
                continue
            value, baseline = row.total / row.n, (total["total"] - row.total) / rest_n
            var = (row.squares - row.n * value**2) / (row.n - 1)
            rest_var = (total["squares"] - row.squares - rest_n * baseline**2) / (rest_n - 1)
            effect = relative_effect(value, baseline)
            text = (
                f"{column.capitalize()} {row.value} users were active on {abs(effect):.0%} "
                f"{'more' if effect > 0 else 'fewer'} days than other users ({value:.1f} vs {baseline:.1f} "
                f"days in the period)"
            )
            page = link("pages/engagement.py", filters, segment=f"{column}={row.value}")
            p_value = welch_p(value, var, row.n, baseline, rest_var, rest_n)
            found.append(_insight(text, value, baseline, p_value, "segment", page))
    return found
