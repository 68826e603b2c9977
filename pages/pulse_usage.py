"""Pulse usage (administrators): Pulse's own success metrics, computed from how it is used."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from analytics.alerts import alert_precision
from analytics.periods import today_in_zone
from analytics.usage import (
    DEFINITIONS,
    IGNORED_AFTER_DAYS,
    MAX_DAYS,
    adoption,
    page_summary,
    page_usage,
    recommendation_outcomes,
)
from config.settings import load_settings
from ui.auth import current_viewer
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import database, shown_errors
from ui.usage_charts import PAGE_SELECTION, adoption_bars, outcome_bars, page_bars, views_over_time

PERIODS_DAYS = (7, 28, 90, 365)

viewer = current_viewer()
require_page("pages/pulse_usage.py", viewer)
db = database()
st.title("Pulse usage")
st.caption(
    "Is Pulse used, and does it help? Figures from Pulse's own records: sign-ins, the pages accounts open, "
    "what members did with their recommendations and how users judged alerts. Each visit changes them, "
    "so they are read afresh on every run rather than cached."
)

st.header("Analytics adoption")
with shown_errors():
    shares = adoption(db, viewer)
chart_panel(adoption_bars(shares), shares, definition=DEFINITIONS["adoption"], key="usage-adoption")

st.header("Dashboard usage")
left, right = st.columns(2)
days = left.segmented_control(
    "Period", PERIODS_DAYS, default=28, format_func="last {} days".format, key="usage_days"
)
grain = right.segmented_control("Granularity", ("day", "week", "month"), default="day", key="usage_grain")
days, grain = days or 28, grain or "day"
today = today_in_zone(load_settings().reporting_timezone)
start = today - timedelta(days=days - 1)
with shown_errors():
    summary = page_summary(db, viewer, start=start, end=today)
    over_time = page_usage(db, viewer, start=start, end=today, grain=grain, today=today)
if summary.empty:
    st.info(f"No page was opened from {start} to {today}.")
else:
    state = chart_panel(
        page_bars(summary),
        summary,
        definition=f"{DEFINITIONS['page_views']} {DEFINITIONS['time_on_page']} Click a page to see it over time.",
        key="usage-pages",
        on_select="rerun",
    )
    picked = (getattr(state, "selection", None) or {}).get(PAGE_SELECTION) or []
    chosen = [point["title"] for point in picked]
    chart_panel(
        views_over_time(over_time, titles=chosen),
        over_time,
        definition=f"Page views per {grain} by role (reporting time zone), of all pages or the one clicked "
        "above; pale: a period cut by the range or still running. The CSV holds the median time per period, "
        "page and role. Click the legend to hide a role.",
        key="usage-over-time",
    )

st.header("Recommendations")
after = int(
    st.number_input(
        "Open recommendations count as ignored after (days)",
        1,
        MAX_DAYS,
        IGNORED_AFTER_DAYS,
        key="usage_ignored_days",
    )
)
with shown_errors():
    outcomes = recommendation_outcomes(db, viewer, ignored_after_days=after)
overall = outcomes.iloc[0]
figures = st.columns(5)
rate = overall["implementation_rate"]
figures[0].metric(
    "Implemented", "–" if pd.isna(rate) else f"{rate:.0%}", help="done ÷ (done + dismissed + ignored)"
)
for column, name in zip(figures[1:], ("done", "dismissed", "ignored", "pending"), strict=True):
    column.metric(name.capitalize(), f"{overall[name]:,}")
chart_panel(
    outcome_bars(outcomes),
    outcomes,
    definition=DEFINITIONS["recommendations"].format(days=after),
    key="usage-recommendations",
)

st.header("Alert precision")
with shown_errors():
    judged = alert_precision(db, viewer)
figures = st.columns(4)
share = judged["precision"]
figures[0].metric("Judged useful", "–" if share is None else f"{share:.0%}")
figures[1].metric("Useful", f"{judged['useful']:,}")
figures[2].metric("Noise", f"{judged['noise']:,}")
figures[3].metric(
    "Alerts raised", f"{judged['alerts']:,}", help="Users mark alerts useful or noise on the Alerts page."
)
st.caption(DEFINITIONS["alert_precision"])
