"""Paths: what users do right after (or before) an activity within a session, and how long sessions are."""

import altair as alt
import streamlit as st

from analytics.funnels import known_activity_types
from analytics.overview import data_days
from analytics.paths import DIRECTIONS, END, MAX_TOP_N, OTHER, START, next_steps, path_lengths
from ui.auth import current_viewer
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import cached, database, shown_errors

MAX_DEPTH_SHOWN = 6

viewer = current_viewer()
require_page("pages/paths.py", viewer)
db = database()
st.title("Paths")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    types = cached(
        "funnel_types", lambda: known_activity_types(db, viewer), role=viewer.role, account=viewer.account
    )
    filters = sidebar_filters(*span, activity_types=types, grain=False)

left, middle, right, last = st.columns([1.6, 1, 1.2, 1.2])
activity = left.selectbox(
    "Activity", types, index=types.index("lesson") if "lesson" in types else 0, key="paths_activity"
)
direction = middle.selectbox("Direction", DIRECTIONS, key="paths_direction")
depth = right.slider("Steps", 1, MAX_DEPTH_SHOWN, 3, key="paths_depth")
top_n = last.slider("Top N per step", 1, MAX_TOP_N, 5, key="paths_top_n")
options = {"activity": activity, "direction": direction, "depth": depth, "top_n": top_n}


def load(name, call, **extra):
    """One cached analytics call; the key holds the viewer, the filters and every option."""
    with shown_errors():
        return cached(name, call, role=viewer.role, account=viewer.account, filters=filters, **extra)


links = load("next_steps", lambda: next_steps(db, viewer, filters, **options), **options)
if links.empty:
    st.info(f"No session in this period contains {activity}.")
else:
    anchors = int(links.loc[links["level"] == 1, "events"].sum())
    sign = "+" if direction == "next" else "−"
    cells = links.groupby(["level", "target"], as_index=False)["events"].sum()
    cells["share_pct"] = (100.0 * cells["events"] / anchors).round(1)
    cells["step"] = [f"{sign}{level}" for level in cells["level"]]
    ranked = cells.groupby("target")["events"].sum().sort_values(ascending=False).index.tolist()
    rows = [name for name in ranked if name not in (OTHER, END, START)] + [
        name for name in (OTHER, END, START) if name in ranked
    ]
    base = alt.Chart(cells, title=f"Steps {direction} to {activity} ({anchors:,} occurrences)").encode(
        x=alt.X(
            "step:O",
            title=f"steps {'after' if direction == 'next' else 'before'}",
            sort=None,
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("target:N", title=None, sort=rows),
        tooltip=[
            alt.Tooltip("step:O"),
            alt.Tooltip("target:N", title="activity"),
            alt.Tooltip("events:Q", title="paths", format=","),
            alt.Tooltip("share_pct:Q", title="% of occurrences", format=".1f"),
        ],
    )
    matrix = base.mark_rect().encode(
        color=alt.Color(
            "share_pct:Q", title="% of occurrences", scale=alt.Scale(scheme="blues", domain=[0, 100])
        )
    ) + base.mark_text(fontSize=11).encode(
        text=alt.Text("share_pct:Q", format=".1f"),
        color=alt.condition(alt.datum.share_pct > 50, alt.value("white"), alt.value("black")),
    )
    chart_panel(
        matrix.properties(height=alt.Step(28)),
        links,
        definition="Each occurrence of the activity in a session (repeats in a row merged) followed step by "
        "step: the share of occurrences whose path is at that activity after N steps. The CSV holds the "
        "Sankey links (source → target per step, with users and counts).",
        key="paths-matrix",
    )
    sample_pct = float(links["sample_pct"].iloc[0])
    if sample_pct < 100:
        st.caption(
            f"Estimated from a fixed {sample_pct:.2f}% sample of this period's sessions (counts are of the "
            "sample; shares estimate the whole)."
        )
    st.subheader("Most common transitions")
    shown = links.assign(step=[f"{sign}{level}" for level in links["level"]])
    st.dataframe(
        shown[["step", "source", "target", "events", "users", "share_pct", "share_of_source_pct"]],
        hide_index=True,
        height=260,
    )

st.subheader("Session length")
lengths = load("path_lengths", lambda: path_lengths(db, viewer, filters))
bars = (
    alt.Chart(lengths)
    .mark_bar()
    .encode(
        x=alt.X("path_length:O", title="events in the session"),
        y=alt.Y("sessions:Q", title="sessions"),
        tooltip=[
            alt.Tooltip("path_length:O", title="events"),
            alt.Tooltip("sessions:Q", format=","),
            alt.Tooltip("share_pct:Q", title="% of sessions", format=".1f"),
        ],
    )
)
chart_panel(
    bars,
    lengths,
    definition="Sessions that started in the period by their number of events (of the chosen activity "
    "types, if any).",
    key="paths-lengths",
)
