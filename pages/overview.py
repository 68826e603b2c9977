"""Overview: the product's headline figures for a period, against the period before."""

import streamlit as st

from analytics.overview import data_days, overview_figures, top_movers
from analytics.periods import today_in_zone
from config.settings import load_settings
from ui.auth import current_viewer
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.overview_charts import active_users_lines
from ui.panels import chart_panel
from ui.pins import pin_button
from ui.state import cached, database, shown_errors

KPI_LABELS = {
    "dau": ("DAU", "Mean daily active users over the period's complete days."),
    "wau": ("WAU", "Users active in the 7 days ending on the last complete day."),
    "mau": ("MAU", "Users active in the 30 days ending on the last complete day."),
    "stickiness_pct": ("Stickiness", "DAU / MAU, in percent: how many days a month a user comes back."),
    "active_users": ("Active users", "Distinct users with at least one event in the period."),
    "new_users": ("New users", "Users whose first event ever falls in the period."),
    "sessions": ("Sessions", "Sessions started in the period."),
    "events": ("Events", "Events in the period."),
}
SPARKLINE = {
    "dau": "dau",
    "wau": "wau",
    "mau": "mau",
    "stickiness_pct": "stickiness_pct",
    "active_users": "dau",
    "new_users": "new_users",
    "sessions": "sessions",
    "events": "events",
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
    filters = sidebar_filters(*span, grain=False)
    today = today_in_zone(load_settings().reporting_timezone)
    key = {"role": viewer.role, "filters": filters, "today": today}
    figures = cached("overview_figures", lambda: overview_figures(db, viewer, filters, today=today), **key)
    kpis, days = figures.kpis, figures.days
    movers = cached("top_movers", lambda: top_movers(db, viewer, filters), **key)

st.caption(
    f"{filters.start} to {filters.end} ({filters.days} days), compared with the {filters.days} days before."
    + ("" if days["complete"].all() else " Today is still in progress: it is left out of DAU, WAU and MAU.")
)
for row_of_kpis in (kpis.iloc[:4], kpis.iloc[4:]):
    for column, row in zip(st.columns(4), row_of_kpis.itertuples(), strict=True):
        label, definition = KPI_LABELS[row.metric]
        shown = f"{row.value:,.1f}%" if row.metric == "stickiness_pct" else f"{row.value:,.0f}"
        column.metric(
            label,
            shown,
            None if row.change_pct is None else f"{row.change_pct:+.1f}%",
            help=f"{definition} Previous period: {row.previous:,.1f}.",
            chart_data=days[SPARKLINE[row.metric]].tolist(),
            border=True,
        )

chart_panel(
    active_users_lines(days),
    days,
    definition="Users with at least one event that day (DAU), in the 7 days (WAU) and the 30 days (MAU) "
    "ending that day; hollow points are days still in progress. Click the legend to hide a line.",
    key="overview-active",
)
pin_button(viewer, "overview.dau", filters=filters, last_day=span[1])

st.subheader("Top movers")
if movers.empty:
    st.caption("No segment with at least 20 active users changed.")
else:
    st.dataframe(
        movers,
        hide_index=True,
        width="stretch",
        column_config={"change_pct": st.column_config.NumberColumn("change %", format="%+.1f%%")},
    )
    st.caption("Countries, plans and platforms whose active users changed most against the previous period.")
