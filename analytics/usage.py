"""Pulse's own usage: page views as they happen, and the success metrics computed from them.

The seed's success metrics judge Pulse itself: do the people it is for use it (adoption per role), which
dashboards they open and for how long, whether members act on recommendations, and whether alerts are
worth raising (`analytics.alerts.alert_precision`). Definitions with formulas: docs/metrics/usage.md.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from analytics.auth.clock import utc_now
from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import GRAINS, Grain, period_end
from analytics.periods import local_midnight_utc, today_in_zone
from analytics.rollups import local_day_sql
from analytics.viewer import Viewer
from config.permissions import LOGIN_ROLES, Permission
from config.settings import load_settings

MAX_TIME_ON_PAGE_S = 30 * 60
"""Time on a page is capped here: a tab left open over lunch is not an hour of reading."""
ADOPTION_WINDOWS_DAYS = (7, 28)
IGNORED_AFTER_DAYS = 14
MAX_DAYS = 365

DEFINITIONS = {
    "adoption": "Share of each role's enabled accounts that signed in or opened a page in the last 7 "
    "(and 28) days.",
    "page_views": "Pages opened by signed-in accounts; changing a filter on the same page is not a new view.",
    "time_on_page": "Median time from opening a page to the same person's next page view in the same "
    "browser tab, capped at 30 minutes; the last page of a visit has no measured time.",
    "recommendations": "Of the recommendations with an outcome, the share marked done, dismissed, or "
    "ignored (still open more than {days} days after they were made); younger open ones are pending.",
    "alert_precision": "Alerts judged useful ÷ alerts judged useful or noise by users.",
}
"""One line per success metric, shown beside it on the Pulse usage page."""


def record_page_view(
    db: Database, viewer: Viewer, page: str, *, browser_session: str, now: datetime | None = None
) -> None:
    """Store that `viewer` opened `page` in `browser_session`: one INSERT, and cached results stay valid.

    An append to page_views alone, so it takes neither write lock: a page view never waits for the
    rollups' drain, and tracking calls never wait for a page view.
    """
    with db.transaction(data_changed=False, writes_events=False, writes_rollups=False) as cursor:
        cursor.execute(
            "INSERT INTO page_views (viewed_at, account, role, page, browser_session) VALUES (?, ?, ?, ?, ?)",
            [now or utc_now(), viewer.account, viewer.role, page, browser_session],
        )


def adoption(
    db: Database,
    viewer: Viewer,
    *,
    windows_days: tuple[int, ...] = ADOPTION_WINDOWS_DAYS,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Per login role: enabled accounts, and how many of them were active in each window ending `now`.

    Active in the last N days: signed in (accounts.last_login_at, login_sessions.issued_at) or opened a
    page (page_views) after `now` − N × 24 h. Columns: role, accounts, then active_{N}d and
    active_{N}d_pct (100 × active ÷ accounts; NaN without accounts) for each N in `windows_days`.
    """
    viewer.require(Permission.MANAGE_ACCOUNTS)
    for days in windows_days:
        _check_days("windows_days", days, 1, MAX_DAYS)
    now = now or utc_now()
    last_active = db.query(
        """SELECT a.username, a.role, max(seen.at) AS last_active_at
           FROM accounts a
           LEFT JOIN (
               SELECT username AS account, last_login_at AS at FROM accounts
               UNION ALL SELECT username, issued_at FROM login_sessions
               UNION ALL SELECT account, viewed_at FROM page_views
           ) seen ON seen.account = a.username AND seen.at <= ?
           WHERE a.enabled
           GROUP BY a.username, a.role""",
        [now],
    )
    rows = []
    for role in LOGIN_ROLES:
        mine = last_active[last_active["role"] == role]["last_active_at"]
        row: dict[str, object] = {"role": role, "accounts": len(mine)}
        for days in windows_days:
            active = int((mine > now - timedelta(days=days)).sum())
            row[f"active_{days}d"] = active
            row[f"active_{days}d_pct"] = round(100 * active / len(mine), 1) if len(mine) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def _timed_views(db: Database, start: date, end: date, zone: str) -> tuple[str, list[object]]:
    """SQL (and its parameters) of the page views on reporting-zone days start..end, each with its
    reporting-zone `day` and `time_on_page_s`: the time to the same account's next view in the same
    browser tab, capped at MAX_TIME_ON_PAGE_S; NULL for the last view."""
    first = local_midnight_utc(start, zone)
    after = local_midnight_utc(end + timedelta(days=1), zone)
    # A view's next view may fall after the period (hours later, then capped), so it is looked up in
    # every later view; the outer filter keeps the period's.
    sql = f"""
        SELECT account, role, page, viewed_at, {local_day_sql("viewed_at", zone)} AS day,
               CASE WHEN next_at IS NOT NULL THEN least(epoch(next_at - viewed_at), ?) END AS time_on_page_s
        FROM (
            SELECT *, lead(viewed_at) OVER (PARTITION BY browser_session, account ORDER BY viewed_at) AS next_at
            FROM page_views
            WHERE viewed_at >= ?
        ) WHERE viewed_at < ?"""
    return sql, [MAX_TIME_ON_PAGE_S, first, after]


def page_usage(
    db: Database,
    viewer: Viewer,
    *,
    start: date,
    end: date,
    grain: Grain = "week",
    today: date | None = None,
) -> pd.DataFrame:
    """Page views and median time on page per period, page and role, over reporting-zone days start..end.

    Columns: period (first day), page, role, views, accounts (distinct), timed_views (views with a next
    view in the same tab), median_time_s (over timed views; NaN without any), complete (the period lies
    inside start..end and ended before `today`, default today in the reporting zone).
    """
    viewer.require(Permission.MANAGE_ACCOUNTS)
    _check_period(start, end)
    if grain not in GRAINS:
        raise AnalyticsError(f"The grain must be one of {', '.join(GRAINS)}. Got {grain!r}.")
    zone = load_settings().reporting_timezone
    views, params = _timed_views(db, start, end, zone)
    found = db.query(  # grain is one of GRAINS (checked above), so it may be SQL text
        f"""SELECT CAST(date_trunc('{grain}', day) AS DATE) AS period, page, role, count(*) AS views,
                   count(DISTINCT account) AS accounts, count(time_on_page_s) AS timed_views,
                   median(time_on_page_s) AS median_time_s
            FROM ({views}) GROUP BY ALL ORDER BY period, page, role""",
        params,
    )
    today = today or today_in_zone(zone)
    found["period"] = pd.to_datetime(found["period"]).dt.date
    found["complete"] = [
        period >= start and period_end(period, grain) <= end and period_end(period, grain) < today
        for period in found["period"]
    ]
    return found.astype({"views": "int64", "accounts": "int64", "timed_views": "int64"})


def page_summary(db: Database, viewer: Viewer, *, start: date, end: date) -> pd.DataFrame:
    """Per page and role over reporting-zone days start..end: views, accounts, timed_views, median_time_s.

    The same figures as `page_usage` over the whole period (a median is not a sum of medians), most
    viewed first.
    """
    viewer.require(Permission.MANAGE_ACCOUNTS)
    _check_period(start, end)
    views, params = _timed_views(db, start, end, load_settings().reporting_timezone)
    found = db.query(
        f"""SELECT page, role, count(*) AS views, count(DISTINCT account) AS accounts,
                   count(time_on_page_s) AS timed_views, median(time_on_page_s) AS median_time_s
            FROM ({views}) GROUP BY ALL ORDER BY views DESC, page, role""",
        params,
    )
    return found.astype({"views": "int64", "accounts": "int64", "timed_views": "int64"})


def recommendation_outcomes(
    db: Database, viewer: Viewer, *, ignored_after_days: int = IGNORED_AFTER_DAYS, now: datetime | None = None
) -> pd.DataFrame:
    """What became of the stored recommendations, overall (type 'all', first row) and per type.

    done, dismissed: their status; ignored: open and made more than `ignored_after_days` days before
    `now`; pending: open and younger. implementation_rate = done ÷ (done + dismissed + ignored);
    dismissal_rate and ignored_rate likewise (NaN when nothing has an outcome). Users who withdrew
    consent are left out. Columns: recommendation_type, recommendations, done, dismissed, ignored,
    pending, implementation_rate, dismissal_rate, ignored_rate.
    """
    viewer.require(Permission.MANAGE_ACCOUNTS)
    _check_days("ignored_after_days", ignored_after_days, 1, MAX_DAYS)
    cutoff = (now or utc_now()) - timedelta(days=ignored_after_days)
    found = db.query(
        """SELECT coalesce(recommendation_type, 'all') AS recommendation_type, count(*) AS recommendations,
                  count(*) FILTER (status = 'done') AS done,
                  count(*) FILTER (status = 'dismissed') AS dismissed,
                  count(*) FILTER (status = 'open' AND created_at < ?) AS ignored,
                  count(*) FILTER (status = 'open' AND created_at >= ?) AS pending
           FROM recommendations
           WHERE user_id NOT IN (SELECT user_id FROM users WHERE NOT consent_analytics)
           GROUP BY ROLLUP (recommendation_type)
           ORDER BY recommendation_type IS NOT NULL, recommendation_type""",
        [cutoff, cutoff],
    )
    if found.empty:  # ROLLUP of no rows gives no total row either
        found = pd.DataFrame([{"recommendation_type": "all", **dict.fromkeys(found.columns[1:], 0)}])
    counts = ["recommendations", "done", "dismissed", "ignored", "pending"]
    found = found.astype(dict.fromkeys(counts, "int64"))
    decided = (found["done"] + found["dismissed"] + found["ignored"]).replace(0, float("nan"))
    for column, share in (
        ("implementation_rate", "done"),
        ("dismissal_rate", "dismissed"),
        ("ignored_rate", "ignored"),
    ):
        found[column] = found[share] / decided
    return found


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise AnalyticsError(f"The period must end on or after its start. Got start={start}, end={end}.")


def _check_days(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AnalyticsError(
            f"The '{name}' option must be a whole number of days from {low} to {high}. Got {value!r}."
        )
