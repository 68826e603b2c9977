"""Overview: the product's headline figures for a period, against the period before."""

from datetime import timedelta

import streamlit as st

from analytics.filters import Filters
from analytics.overview import daily_active_users, data_days, overview_kpis
from ui.auth import current_viewer
from ui.charts import time_series
from ui.downloads import safe_csv
from ui.navigation import require_page
from ui.pins import pin_button
from ui.state import cached, database, shown_errors

KPI_LABELS = {
    "active_users": "Active users",
    "new_users": "New users",
    "events": "Events",
    "sessions": "Sessions",
}

viewer = current_viewer()
require_page("pages/overview.py", viewer)
db = database()
st.title("Overview")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    first_day, last_day = span
    default_start = max(first_day, last_day - timedelta(days=27))
    picked = st.date_input(
        "Period", value=(default_start, last_day), min_value=first_day, max_value=last_day
    )
    if len(picked) != 2:
        st.stop()
    start, end = picked
    kpis = cached(
        "overview_kpis", lambda: overview_kpis(db, viewer, start=start, end=end),
        role=viewer.role, start=start, end=end,
    )
    dau = cached(
        "daily_active_users", lambda: daily_active_users(db, viewer, start=start, end=end),
        role=viewer.role, start=start, end=end,
    )

length_days = (end - start).days + 1
st.caption(f"{start} to {end} ({length_days} days), compared with the {length_days} days before.")
for column, row in zip(st.columns(len(kpis)), kpis.itertuples(), strict=True):
    delta = None if row.change_pct is None else f"{row.change_pct:+.1f}%"
    column.metric(KPI_LABELS[row.metric], f"{row.value:,}", delta, help=f"previous period: {row.previous:,}")

st.altair_chart(
    time_series(dau, x="day", y="active_users", title="Daily active users", y_title="active users"),
    width="stretch",
)
st.caption("Daily active users: distinct users with at least one event that day (reporting time zone).")
st.download_button("Download this data as CSV", safe_csv(dau), "daily_active_users.csv", "text/csv")
pin_button(viewer, "overview.dau", filters=Filters(start=start, end=end), last_day=last_day)
