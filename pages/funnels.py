"""Funnels: how many users go from one activity to the next within a window, and who drops out where."""

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from analytics.funnels import ORDERS, funnel, funnel_users, known_activity_types
from analytics.overview import data_days
from ui.auth import current_viewer
from ui.downloads import csv_download
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

DEFAULT_STEPS = ("signup", "lesson", "exercise", "upgrade")
UNITS_S = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
ORDER_HELP = (
    "Strict: each step is the user's very next event. Sequential: steps in order, other events allowed "
    "between. Any: every step after step 1, in any order."
)
BREAKDOWNS = ["none", "plan", "country", "platform", "signup_cohort", "attribute"]
STATUS_COLOURS = {"converted": "#2171b5", "dropped": "#de2d26", "still in window": "#fdae6b"}
BAR_SELECTION = "bar"

viewer = current_viewer()
require_page("pages/funnels.py", viewer)
db = database()
st.title("Funnels")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    types = cached(
        "funnel_types", lambda: known_activity_types(db, viewer), role=viewer.role, account=viewer.account
    )
    filters = sidebar_filters(*span, grain=False)

defaults = [name for name in DEFAULT_STEPS if name in types] or types[:2]
steps = st.multiselect("Steps, in order", types, default=defaults, key="funnel_steps", max_selections=10)
left, middle, right, last = st.columns([1, 1, 1.4, 1.6])
amount = left.number_input("Window", min_value=1, value=14, step=1, key="funnel_window")
unit = middle.selectbox("Unit", list(UNITS_S), index=3, key="funnel_unit")
order = right.selectbox("Order", ORDERS, index=1, key="funnel_order", help=ORDER_HELP)
breakdown = last.selectbox("Breakdown", BREAKDOWNS, key="funnel_breakdown")
if breakdown == "attribute":
    name = st.text_input("Attribute name", key="funnel_attribute", placeholder="referrer").strip()
    breakdown = f"attr.{name}" if name else "none"
if len(steps) < 2:
    st.info("Choose at least two steps.")
    st.stop()
options = {
    "steps": list(steps),
    "window_s": int(amount) * UNITS_S[unit],
    "order": order,
    "now": datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None),
}


def load(name, call, **extra):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(
            name, call, role=viewer.role, account=viewer.account, filters=filters, **options, **extra
        )


chosen = None if breakdown == "none" else breakdown
result = load("funnel", lambda: funnel(db, viewer, filters, breakdown=chosen, **options), breakdown=chosen)
table = result.steps
if result.entered == 0:
    st.info("Nobody did the first step in this period.")
    st.stop()
st.caption(
    f"{result.entered:,} users did {steps[0]} in the period; {result.converted:,} "
    f"({table['conversion_pct'].iloc[-1]}%) reached {steps[-1]} within {amount} {unit}."
)

bars = table.assign(
    label=[f"{n}. {name}" for n, name in zip(table["step"], table["activity_type"], strict=True)]
)
stacked = bars.melt(
    id_vars=["step", "label", "conversion_pct", "step_conversion_pct"],
    value_vars=["users", "dropped", "still_in_window"],
    var_name="status",
    value_name="count",
).replace({"status": {"users": "converted", "still_in_window": "still in window"}})
pick = alt.selection_point(name=BAR_SELECTION, fields=["step", "status"], on="click")
chart = (
    alt.Chart(stacked, title="Users reaching each step")
    .mark_bar()
    .encode(
        x=alt.X("label:N", title=None, sort=list(bars["label"]), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count:Q", title="users", stack="zero"),
        color=alt.Color(
            "status:N", scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))
        ),
        order=alt.Order("status:N", sort="ascending"),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
        tooltip=[
            alt.Tooltip("label:N", title="step"),
            alt.Tooltip("status:N"),
            alt.Tooltip("count:Q", title="users", format=","),
            alt.Tooltip("conversion_pct:Q", title="% of step 1", format=".1f"),
            alt.Tooltip("step_conversion_pct:Q", title="% of previous step", format=".1f"),
        ],
    )
    .add_params(pick)
)
state = chart_panel(
    chart,
    table,
    definition="Blue: users who reached the step within the window of their first step. Red: reached the "
    "previous step, not this one, window over. Orange: window still open. Click a bar to list its users.",
    key="funnel-steps",
    on_select="rerun",
)

picked = (getattr(state, "selection", None) or {}).get(BAR_SELECTION) or []
if picked and picked[0].get("status") in ("converted", "dropped"):
    step, outcome = int(picked[0]["step"]), picked[0]["status"]
    if outcome == "converted" or step > 1:
        users = load(
            "funnel_users",
            lambda: funnel_users(db, viewer, filters, step=step, outcome=outcome, **options),
            step=step,
            outcome=outcome,
        )
        st.caption(f"{len(users):,} users {outcome} at step {step} ({steps[step - 1]}).")
        st.dataframe(users, hide_index=True, height=220)
        st.download_button(
            "Download these users as CSV",
            csv_download(users),
            file_name=f"funnel_step_{step}_{outcome}.csv",
            mime="text/csv",
        )


def readable(seconds: float | None) -> str:
    """Seconds as the two largest units, e.g. '2 h 5 min'."""
    if seconds is None or pd.isna(seconds):
        return ""
    remaining, parts = round(float(seconds)), []
    for size, unit_name in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if remaining >= size or (size == 1 and not parts):
            parts.append(f"{remaining // size} {unit_name}")
            remaining %= size
    return " ".join(parts[:2])


st.subheader("Conversion by step")
timing = [column for column in table.columns if column.endswith(("_from_previous", "_from_start"))]
st.dataframe(table.assign(**{column: table[column].map(readable) for column in timing}), hide_index=True)

st.subheader("Time to convert")
histogram = result.time_to_convert
bins = (
    alt.Chart(histogram)
    .mark_bar()
    .encode(
        x=alt.X("label:N", title=f"time from {steps[0]} to {steps[-1]}", sort=list(histogram["label"])),
        y=alt.Y("users:Q", title="users"),
        tooltip=[
            alt.Tooltip("label:N", title="time"),
            alt.Tooltip("users:Q", format=","),
            alt.Tooltip("share_pct:Q", title="% of converted", format=".1f"),
        ],
    )
)
chart_panel(
    bins,
    histogram,
    definition="Users who reached the last step, by the time from their first step to the last one.",
    key="funnel-time-to-convert",
)

if chosen is not None:
    st.subheader(f"By {chosen}")
    st.dataframe(result.significance, hide_index=True)
    st.caption(
        "Each value's overall conversion against all other users: two-proportion z-test (Fisher's exact "
        "test when conversions are rare); significant when p < 0.05. Values with fewer than 30 entering "
        "users are marked 'insufficient sample'. With many values, expect one in twenty to look significant "
        "by chance."
    )
    with st.expander("Step figures per value"):
        st.dataframe(result.breakdown, hide_index=True)
        st.download_button(
            "Download as CSV",
            csv_download(result.breakdown),
            file_name="funnel_breakdown.csv",
            mime="text/csv",
        )
