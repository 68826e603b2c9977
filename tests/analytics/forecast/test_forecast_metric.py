"""forecast() on metric specs from the database: complete periods only, as-of, caching, permissions."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.filters import Filters
from analytics.forecast import cache, forecast
from analytics.metrics import parse_metric
from analytics.viewer import SYSTEM, Viewer

FIRST = date(2024, 1, 1)
PATTERN = [12, 11, 10, 10, 9, 6, 8]  # Monday..Sunday
COUNTS = [PATTERN[day % 7] + day // 7 for day in range(42)]  # six weeks, one more a day each week
EVENTS = parse_metric("events")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_history_is_the_metric_up_to_the_last_complete_day(daily_counts):
    db = daily_counts(FIRST, COUNTS)
    # Today is Feb 11, the last day with data: it is still in progress and left out.
    result = forecast(
        db,
        SYSTEM,
        EVENTS,
        Filters(start=FIRST, end=date(2024, 2, 11)),
        horizon_days=7,
        today=date(2024, 2, 11),
    )
    assert result.history["value"].tolist() == COUNTS[:41]
    assert result.forecast["date"].iloc[0].date() == date(2024, 2, 11)
    assert len(result.forecast) == 7
    assert (result.forecast["yhat_lower"] >= 0).all()


def test_as_of_hides_everything_after_that_day(daily_counts):
    db = daily_counts(FIRST, COUNTS)
    filters = Filters(start=FIRST, end=date(2024, 2, 11))
    result = forecast(
        db, SYSTEM, EVENTS, filters, horizon_days=7, as_of=date(2024, 1, 28), today=date(2024, 3, 1)
    )
    assert result.history["date"].iloc[-1].date() == date(2024, 1, 28)
    assert result.history["value"].tolist() == COUNTS[:28]
    with pytest.raises(AnalyticsError, match="'as_of' day must not be before the period's start 2024-01-01"):
        forecast(db, SYSTEM, EVENTS, filters, as_of=date(2023, 12, 1))


def test_weeks_in_progress_are_left_out(daily_counts):
    db = daily_counts(FIRST, COUNTS * 3)
    filters = Filters(start=FIRST, end=date(2024, 4, 3), grain="week")
    result = forecast(db, SYSTEM, EVENTS, filters, horizon_days=14, today=date(2024, 4, 3))
    # Weeks from Jan 1 to Mar 25; the week of Apr 1 is in progress. The week of Jan 1 holds days 0-6.
    assert result.history["date"].iloc[-1].date() == date(2024, 3, 25)
    assert result.history["value"].iloc[0] == sum(COUNTS[:7])
    assert result.forecast["date"].dt.date.tolist() == [date(2024, 4, 1), date(2024, 4, 8)]


def test_results_are_cached_until_the_data_changes(daily_counts):
    db = daily_counts(FIRST, COUNTS)
    filters = Filters(start=FIRST, end=date(2024, 2, 11))
    first = forecast(db, SYSTEM, EVENTS, filters, horizon_days=7, today=date(2024, 3, 1))
    again = forecast(db, SYSTEM, EVENTS, filters, horizon_days=7, interval=0.95, today=date(2024, 3, 1))
    assert cache.size() == 1
    assert again.forecast["yhat_upper"].equals(first.forecast["yhat_upper_95"])
    daily_counts(date(2024, 2, 12), [30])
    changed = forecast(db, SYSTEM, EVENTS, filters, horizon_days=7, today=date(2024, 3, 1))
    assert cache.size() == 2
    assert changed.history["value"].iloc[-1] == COUNTS[-1]


def test_too_little_history_is_explained(daily_counts):
    db = daily_counts(FIRST, COUNTS[:5])
    with pytest.raises(AnalyticsError, match="Forecasting needs at least 14 days of history, got 5"):
        forecast(db, SYSTEM, EVENTS, Filters(start=FIRST, end=date(2024, 1, 5)), today=date(2024, 3, 1))


def test_members_may_not_forecast_product_figures(db):
    member = Viewer.for_role("m", "member", user_id="a")
    with pytest.raises(PermissionDenied, match="VIEW_OTHER_USER_ANALYTICS"):
        forecast(db, member, EVENTS, Filters(start=FIRST, end=FIRST))


@pytest.mark.parametrize("metric", ["events", "active_users"])
def test_generated_data_forecasts_report_their_backtest(seeded_db, metric):
    filters = Filters(start=date(2024, 11, 3), end=date(2025, 6, 30))
    result = forecast(
        seeded_db, SYSTEM, parse_metric(metric), filters, horizon_days=30, today=date(2025, 7, 1)
    )
    assert len(result.backtest.cutoffs) == 4
    assert result.backtest.scores["points"].tolist() == [120, 120]
    assert result.model == result.backtest.winner
    shown = result.prophet_forecast if result.model == "prophet" else result.baseline_forecast
    assert result.forecast.equals(shown)
    assert result.trend.startswith("rising")
