"""Pinning charts: the 'Pin to my dashboard' button, and how each pinnable chart is drawn again.

RENDERERS maps every key of `analytics.dashboard.CHARTS` to a function that re-runs the chart's analytics
call with the pin's filters and options (cached like the pages' calls) and draws it with the pages'
own chart builders, so a pinned chart shows current data the way its page does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from analytics.behaviour import activity_heatmap
from analytics.dashboard import CHARTS, add_pin, can_pin, pin_params, pinned_filters
from analytics.db import Database
from analytics.engagement import dau_mau, lifecycle, retention_average, retention_matrix, stickiness
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.forecast import forecast
from analytics.metrics import parse_metric
from analytics.overview import daily_active_users, data_days, overview_kpis
from analytics.performance import METRICS, performance_over_time
from analytics.users import peer_summary, user_activity
from analytics.viewer import Viewer
from ui.auth import request_source
from ui.behaviour_charts import weekday_hour_heatmap
from ui.charts import time_series
from ui.engagement_charts import (
    dau_mau_line,
    lifecycle_bars,
    retention_cells,
    retention_heatmap,
    stickiness_bars,
)
from ui.panels import chart_panel
from ui.performance_charts import metric_lines
from ui.state import cached, database, shown_errors
from ui.user_views import activity_bars, peer_ranges

RATIO_FORMATS = {"accuracy": ".1%", "completion_rate": ".1%"}
"""Tooltip formats of performance metrics shown as percentages (the others: 2 decimals)."""


@dataclass(frozen=True)
class PinView:
    """What a renderer needs: who is looking, the pin's filters and options, and where "today" is."""

    db: Database
    viewer: Viewer
    filters: Filters
    options: dict[str, Any]
    today: date
    key: str

    def load(self, name: str, call: Callable[[], Any], **options: Any) -> Any:
        """One cached analytics call keyed by the viewer, the filters, today and the options."""
        return cached(
            f"pin:{name}",
            call,
            role=self.viewer.role,
            account=self.viewer.account,
            filters=self.filters,
            today=self.today,
            **options,
        )


def pin_button(
    viewer: Viewer,
    chart: str,
    *,
    filters: Filters,
    last_day: date,
    options: dict[str, Any] | None = None,
    title: str | None = None,
    key: str | None = None,
) -> None:
    """A 'Pin to my dashboard' button for `chart` as shown now; drawn only if the viewer may pin it.

    The period rolls with new data when it ends on `last_day` (the last day with data).
    """
    params = pin_params(filters, rolling=filters.end == last_day, options=options)
    if not can_pin(viewer, chart, params):
        return
    if st.button(
        "Pin to my dashboard",
        icon=":material/push_pin:",
        key=key or f"pin-{chart}",
        help="Add this chart, with these filters, to My dashboard.",
    ):
        with shown_errors():
            add_pin(database(), viewer, chart, params, title=title)
        st.toast(f"Pinned “{title or CHARTS[chart].title}” to My dashboard.", icon=":material/push_pin:")


def render_pin(
    db: Database, viewer: Viewer, chart: str, params: dict[str, Any], *, last_day: date, today: date, key: str
) -> None:
    """Draw one pinned chart; a pin that cannot be drawn shows its error and the rest of the page goes on."""
    if chart not in RENDERERS:
        st.warning(f"The chart {chart!r} no longer exists in this version of Pulse; remove this pin.")
        return
    try:
        filters = pinned_filters(params, last_day=last_day)
        st.caption(_described(filters, rolling=bool(params.get("rolling"))))
        RENDERERS[chart](PinView(db, viewer, filters, params["options"], today, key))
    except AnalyticsError as exc:
        st.error(str(exc))


def _described(filters: Filters, *, rolling: bool) -> str:
    """The pin's filters in one line."""
    parts = [
        f"{filters.start} to {filters.end}" + (" (moves with new data)" if rolling else ""),
        f"by {filters.grain}",
    ]
    if filters.segment:
        parts.append("segment " + ", ".join(f"{key}={value}" for key, value in filters.segment))
    if filters.activity_types:
        parts.append("activity " + ", ".join(filters.activity_types))
    return " · ".join(parts)


def _kpis(pin: PinView) -> None:
    kpis = pin.load("overview_kpis", lambda: overview_kpis(pin.db, pin.viewer, pin.filters, today=pin.today))
    for column, row in zip(st.columns(4) * 2, kpis.itertuples(), strict=True):
        delta = None if row.change_pct is None else f"{row.change_pct:+.1f}%"
        label = row.metric.replace("_pct", " %").replace("_", " ").capitalize()
        column.metric(label, f"{row.value:,.1f}", delta, help=f"previous period: {row.previous:,.1f}")


def _dau(pin: PinView) -> None:
    dau = pin.load("daily_active_users", lambda: daily_active_users(pin.db, pin.viewer, pin.filters))
    chart = time_series(dau, x="day", y="active_users", title="Daily active users", y_title="active users")
    chart_panel(chart, dau, definition="Distinct users with at least one event that day.", key=pin.key)


def _retention(pin: PinView) -> None:
    options = pin.options
    matrix = pin.load(
        "retention_matrix",
        lambda: retention_matrix(pin.db, pin.viewer, pin.filters, **options, today=pin.today),
        **options,
    )
    if matrix.empty:
        st.info("No cohort starts in this period with these options.")
        return
    chart = retention_heatmap(retention_cells(matrix, retention_average(matrix)))
    chart_panel(chart, matrix, definition="Share of each cohort that returned in period N.", key=pin.key)


def _lifecycle(pin: PinView) -> None:
    frame = pin.load("lifecycle", lambda: lifecycle(pin.db, pin.viewer, pin.filters, today=pin.today))
    definition = "New, returning, resurrecting and dormant (below zero) users per period."
    chart_panel(lifecycle_bars(frame), frame, definition=definition, key=pin.key)


def _stickiness(pin: PinView) -> None:
    options = {"period": "week", "cumulative": False, **pin.options}
    frame = pin.load(
        "stickiness",
        lambda: stickiness(pin.db, pin.viewer, pin.filters, **options, today=pin.today),
        **options,
    )
    definition = f"Users by days active per {options['period']} (complete periods)."
    chart_panel(
        stickiness_bars(frame, cumulative=bool(options["cumulative"])),
        frame,
        definition=definition,
        key=pin.key,
    )


def _dau_mau(pin: PinView) -> None:
    frame = pin.load("dau_mau", lambda: dau_mau(pin.db, pin.viewer, pin.filters, today=pin.today))
    definition = "Users active that day ÷ users active in the 30 days ending that day."
    chart_panel(dau_mau_line(frame), frame, definition=definition, key=pin.key)


def _heatmap(pin: PinView) -> None:
    grid = pin.load("activity_heatmap", lambda: activity_heatmap(pin.db, pin.viewer, pin.filters))
    definition = "Sessions by the weekday and hour (reporting time zone) in which they started."
    chart_panel(weekday_hour_heatmap(grid), grid, definition=definition, key=pin.key)


def _performance(pin: PinView) -> None:
    metric = pin.options.get("metric", "accuracy")
    if metric not in METRICS:
        raise AnalyticsError(f"The pinned metric must be one of {', '.join(METRICS)}. Got {metric!r}.")
    breakdown = pin.options.get("breakdown")
    frame = pin.load(
        "performance_over_time",
        lambda: performance_over_time(pin.db, pin.viewer, pin.filters, breakdown=breakdown, today=pin.today),
        breakdown=breakdown,
    )
    rows = frame[frame["metric"] == metric]
    spec = METRICS[metric]
    chart = metric_lines(rows, title=spec.label, fmt=RATIO_FORMATS.get(metric, ".2f"))
    chart_panel(chart, rows, definition=f"{spec.label}: {spec.definition}.", key=pin.key)


def _forecast(pin: PinView) -> None:
    spec = parse_metric(pin.options.get("metric", "active_users"))
    options = {
        "horizon_days": int(pin.options.get("horizon_days", 30)),
        "holidays_country": pin.options.get("holidays_country"),
        "interval": float(pin.options.get("interval", 0.8)),
    }
    span = pin.load("data_days", lambda: data_days(pin.db, pin.viewer))
    # The model sees all history up to the period's end; the period is what the chart shows.
    history = replace(pin.filters, start=min(span[0], pin.filters.start)) if span else pin.filters
    result = pin.load(
        "forecast",
        lambda: forecast(pin.db, pin.viewer, spec, history, **options, today=pin.today),
        spec=spec.text,
        **options,
    )
    shown = result.history[result.history["date"] >= pd.Timestamp(pin.filters.start)]
    x = alt.X("date:T", title=None)
    band = (
        alt.Chart(result.forecast)
        .mark_area(opacity=0.25, color="#4c78a8")
        .encode(x=x, y=alt.Y("yhat_lower:Q", title=spec.text), y2="yhat_upper:Q")
    )
    predicted = (
        alt.Chart(result.forecast)
        .mark_line(strokeDash=[6, 3], color="#4c78a8")
        .encode(x=x, y="yhat:Q", tooltip=["date:T", alt.Tooltip("yhat:Q", title="forecast", format=",.2f")])
    )
    observed = (
        alt.Chart(shown)
        .mark_line(point=True, color="#333333")
        .encode(x=x, y="value:Q", tooltip=["date:T", alt.Tooltip("value:Q", format=",.2f")])
    )
    chart = alt.layer(band, predicted, observed).add_params(
        alt.selection_interval(encodings=["x"], bind="scales")
    )
    frame = pd.concat(
        [shown.assign(kind="history"), result.forecast.assign(kind="forecast")], ignore_index=True
    )
    definition = (
        f"{spec.text} per {pin.filters.grain}; dashed: forecast with its {result.interval:.0%} interval."
    )
    chart_panel(chart, frame, definition=f"{definition} {result.trend.capitalize()}.", key=pin.key)


def _user_activity(pin: PinView) -> None:
    user = pin.options["user"]
    frame = pin.load(
        "user_activity",
        lambda: user_activity(pin.db, pin.viewer, user, pin.filters, source=request_source()),
        user=user,
    )
    definition = f"Events of user {user} per day and activity type."
    chart_panel(activity_bars(frame), frame, definition=definition, key=pin.key)


def _user_peers(pin: PinView) -> None:
    user, group = pin.options["user"], pin.options.get("peer_group", "all")
    frame = pin.load(
        "peer_summary",
        lambda: peer_summary(
            pin.db, pin.viewer, user, pin.filters, peer_group=group, source=request_source()
        ),
        user=user,
        peer_group=group,
    )
    definition = f"User {user} (red) against the p25–p75 range and median of peers ({group})."
    chart_panel(peer_ranges(frame), frame, definition=definition, key=pin.key)


RENDERERS: dict[str, Callable[[PinView], None]] = {
    "overview.kpis": _kpis,
    "overview.dau": _dau,
    "engagement.retention": _retention,
    "engagement.lifecycle": _lifecycle,
    "engagement.stickiness": _stickiness,
    "engagement.dau_mau": _dau_mau,
    "behaviour.heatmap": _heatmap,
    "performance.over_time": _performance,
    "forecasts.forecast": _forecast,
    "users.activity": _user_activity,
    "users.peers": _user_peers,
}
"""How to draw each key of analytics.dashboard.CHARTS (a test checks both hold the same keys)."""
