"""Real time: events and active users of the last minutes, events per minute and the live feed.

The numbers redraw themselves every REFRESH_S seconds (a Streamlit fragment), without reloading the page.
"""

import altair as alt
import pandas as pd
import streamlit as st

from analytics.realtime import realtime_snapshot
from ui.auth import current_viewer
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.state import database, shown_errors

REFRESH_S = 5

viewer = current_viewer()
require_page("pages/realtime.py", viewer)
db = database()
st.title("Real time")
st.caption(
    f"The last hour of events by their own timestamps, refreshed every {REFRESH_S} seconds. "
    "Events sent with `POST /api/v1/analytics/track` show up here within seconds."
)


def duration(seconds: float | None) -> str:
    """A lag as '850 ms', '42 s', '7 min' or '3 h'."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def per_minute_chart(frame: pd.DataFrame) -> alt.Chart:
    """Events per minute as bars; times are UTC instants, shown in the browser's time zone."""
    return (
        alt.Chart(frame, title="Events per minute, last 60 minutes")
        .mark_bar()
        .encode(
            x=alt.X("minute:T", title=None),
            y=alt.Y("events:Q", title="events"),
            tooltip=[
                alt.Tooltip("minute:T", title="minute", format="%H:%M"),
                alt.Tooltip("events:Q", format=","),
            ],
        )
    )


@st.fragment(run_every=REFRESH_S)
def live() -> None:
    """Everything that changes: recomputed from the events table at every refresh."""
    with shown_errors():
        snapshot = realtime_snapshot(db, viewer)
    counts = (
        ("Events, last 5 min", snapshot.events_5m),
        ("Active users, last 5 min", snapshot.active_users_5m),
        ("Events, last 60 min", snapshot.events_60m),
        ("Active users, last 60 min", snapshot.active_users_60m),
    )
    for column, (label, value) in zip(st.columns(len(counts)), counts, strict=True):
        column.metric(label, f"{value:,}")
    lag, delay = st.columns(2)
    lag.metric(
        "Since the last event arrived",
        duration(snapshot.ingestion_lag_s),
        help="now − the newest event's ingested_at: how long Pulse has received nothing.",
    )
    delay.metric(
        "Typical delivery delay",
        duration(snapshot.event_delay_p50_s),
        help="Median of ingested_at − timestamp over the last 5 minutes' events.",
    )
    minutes = snapshot.per_minute.assign(minute=snapshot.per_minute["minute"].dt.tz_localize("UTC"))
    chart_panel(
        per_minute_chart(minutes),
        snapshot.per_minute,
        definition="Events per minute by event timestamp (UTC in the CSV); the last bar is the minute in progress.",
        key="realtime_per_minute",
    )
    st.subheader("Newest events")
    if snapshot.feed.empty:
        st.info("No events in the last hour.")
    else:
        st.dataframe(snapshot.feed, hide_index=True, width="stretch")
    st.caption(f"Updated {snapshot.now:%H:%M:%S} UTC.")


live()
