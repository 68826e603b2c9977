"""Performance: accuracy, speed, completion, efficiency and skill level over time, with benchmarks and movers."""

import streamlit as st

from analytics.overview import data_days
from analytics.performance import (
    BREAKDOWN_KEYS,
    METRICS,
    performance_movers,
    performance_over_time,
    performance_trends,
)
from ui.auth import current_viewer
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.performance_charts import metric_lines, mover_bars
from ui.state import cached, database, shown_errors

FORMATS = {
    "accuracy": ".1%",
    "speed_s": ".1f",
    "completion_rate": ".1%",
    "efficiency": ".2f",
    "skill_level": ".2f",
}
NO_BREAKDOWN = "none"

viewer = current_viewer()
require_page("pages/performance.py", viewer)
db = database()
st.title("Performance")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    filters = sidebar_filters(*span)


def load(name, call, **options):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(name, call, role=viewer.role, account=viewer.account, filters=filters, **options)


choice = st.selectbox(
    "Break down by",
    [NO_BREAKDOWN, *BREAKDOWN_KEYS],
    key="performance_breakdown",
    help="One line per value (the six largest by users; the rest pooled as '(other)').",
)
breakdown = None if choice == NO_BREAKDOWN else choice
over_time = load(
    "performance_over_time",
    lambda: performance_over_time(db, viewer, filters, breakdown=breakdown),
    breakdown=breakdown,
)
trends = performance_trends(over_time)
st.caption(
    "Values are ratios of sums over all users (an answer counts once, whoever gave it); the band spans the "
    "middle half of users (p25–p75) and the dashed line is the median user. Activity-type filters do not apply."
)

for number, (metric, spec) in enumerate(METRICS.items()):
    if number % 2 == 0:
        columns = st.columns(2)
    rows = over_time[over_time["metric"] == metric]
    words = [
        f"{row.segment}: **{row.direction}**"
        + (
            ""
            if row.direction == "unknown"
            else f" ({row.assessment}, {row.change_pct:+.1f}% over {row.periods} periods)"
        )
        for row in trends[trends["metric"] == metric].itertuples()
    ]
    with columns[number % 2]:
        chart_panel(
            metric_lines(rows, title=spec.label, fmt=FORMATS[metric]),
            rows,
            definition=f"{spec.label}: {spec.definition}. Trend — " + "; ".join(words),
            key=f"performance-{metric}",
        )

st.header("Movers")
picks = st.columns([2, 1, 1])
metric = picks[0].selectbox(
    "Metric", list(METRICS), format_func=lambda name: METRICS[name].label, key="movers_metric"
)
top_n = picks[1].number_input("Users per list", min_value=1, max_value=100, value=10, key="movers_top_n")
min_activity = picks[2].number_input(
    "Minimum activity per half",
    min_value=1,
    max_value=1000,
    value=5,
    key="movers_min_activity",
    help="Per half: answers, exercises, completable events or exercise minutes (by metric); days with a level for skill level.",
)
movers = load(
    "performance_movers",
    lambda: performance_movers(
        db, viewer, filters, metric=metric, top_n=int(top_n), min_activity=int(min_activity)
    ),
    metric=metric,
    top_n=int(top_n),
    min_activity=int(min_activity),
)
if movers.empty:
    st.info(
        "No user has enough activity in both halves of the period. Lower the minimum or widen the period."
    )
else:
    chart_panel(
        mover_bars(movers, fmt=FORMATS[metric]),
        movers,
        definition=f"Biggest changes in {METRICS[metric].label.lower()} from the first to the second half of the "
        f"period, among users with at least {int(min_activity)} units of activity in each half.",
        key="performance-movers",
    )
    left, right = st.columns(2)
    left.subheader("Improved")
    left.dataframe(movers[movers["direction"] == "improved"].drop(columns="direction"), hide_index=True)
    right.subheader("Declined")
    right.dataframe(movers[movers["direction"] == "declined"].drop(columns="direction"), hide_index=True)
