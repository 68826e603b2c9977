"""User explorer: find a user, see who they are, what they did session by session and how they compare.

The user is the URL's `?user=ID`, so other pages can link here.
"""

import streamlit as st

from analytics.engagement.activity import activity_types
from analytics.overview import data_days
from analytics.users import (
    PEER_GROUPS,
    SESSIONS_PER_PAGE,
    find_users,
    peer_summary,
    user_activity,
    user_profile,
    user_timeline,
)
from ui.auth import current_viewer, request_source
from ui.filters import sidebar_filters
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.pins import pin_button
from ui.state import cached, database, shown_errors
from ui.user_views import activity_bars, peer_ranges, profile_panel, timeline_sessions

PEER_LABELS = {
    "all": "all users",
    "plan": "same plan",
    "country": "same country",
    "platform": "same platform",
}

viewer = current_viewer()
require_page("pages/user_explorer.py", viewer)
db = database()
st.title("User explorer")
chosen = st.query_params.get("user")

with shown_errors():
    span = cached("data_days", lambda: data_days(db, viewer), role=viewer.role, account=viewer.account)
    if span is None:
        st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
        st.stop()
    types = cached(
        "activity_types", lambda: activity_types(db, viewer), role=viewer.role, account=viewer.account
    )
    filters = sidebar_filters(*span, activity_types=types, grain=False)
if chosen:
    st.query_params["user"] = chosen  # sidebar_filters rewrites the whole query string

text = st.text_input(
    "Find a user", key="explorer-search", placeholder="the start of a user id, a name or an email"
).strip()
if text:
    with shown_errors():
        found = cached(
            "find_users",
            lambda: find_users(db, viewer, text),
            role=viewer.role,
            account=viewer.account,
            text=text,
        )
    if found.note:
        st.warning(f"{text}: {found.note}.")
    if found.users.empty:
        st.caption("No user matches.")
    else:
        labels = {
            row.user_id: f"{row.user_id} · {row.display_name or '–'} · {row.email or '–'}"
            for row in found.users.itertuples()
        }
        picked = st.selectbox(
            f"Matching users (the first {len(labels)})" if found.more else "Matching users",
            list(labels),
            index=None,
            format_func=labels.get,
            placeholder="Choose a user",
            key="explorer-match",
        )
        if picked and picked != chosen:
            st.query_params["user"] = picked
            st.rerun()
if not chosen:
    st.info("Search for a user by id, name or email, or open a link ending in `?user=ID`.")
    st.stop()

source = request_source()


def load(name, call, **options):
    """One cached analytics call (each audited once when it reads someone else's data)."""
    with shown_errors():
        return cached(name, call, role=viewer.role, account=viewer.account, user=chosen, **options)


profile = load("user_profile", lambda: user_profile(db, viewer, chosen, source=source))
profile_panel(profile)

st.header("Activity")
activity = load(
    "user_activity", lambda: user_activity(db, viewer, chosen, filters, source=source), filters=filters
)
if activity.empty:
    st.info(f"No activity from {filters.start} to {filters.end}.")
else:
    chart_panel(
        activity_bars(activity),
        activity,
        definition="Events per day (reporting time zone) by activity type. Click the legend to hide types.",
        key="explorer-activity",
    )
    pin_button(
        viewer,
        "users.activity",
        filters=filters,
        last_day=span[1],
        options={"user": chosen},
        title=f"Activity of {chosen}",
        key="pin-explorer-activity",
    )

st.header("Against peers")
group = (
    st.segmented_control(
        "Peers", PEER_GROUPS, default="all", format_func=PEER_LABELS.get, key="explorer-peers"
    )
    or "all"
)
summary = load(
    "peer_summary",
    lambda: peer_summary(db, viewer, chosen, filters, peer_group=group, source=source),
    filters=filters,
    peer_group=group,
)
chart_panel(
    peer_ranges(summary),
    summary,
    definition=f"Over the period, against the other users active in it ({PEER_LABELS[group]}): red is this user, "
    "the bar the middle half of peers (p25–p75), the tick their median; no bar with fewer than 5 peers.",
    key="explorer-peers-chart",
)
pin_button(
    viewer,
    "users.peers",
    filters=filters,
    last_day=span[1],
    options={"user": chosen, "peer_group": group},
    title=f"{chosen} against {PEER_LABELS[group]}",
    key="pin-explorer-peers",
)

st.header("Timeline")
scope = (chosen, filters)
if st.session_state.get("timeline-scope") != scope:
    st.session_state["timeline-scope"] = scope
    st.session_state["timeline-page"] = 1
page = st.session_state["timeline-page"]
timeline = load(
    "user_timeline",
    lambda: user_timeline(db, viewer, chosen, filters, page=page, source=source),
    filters=filters,
    page=page,
)
if not timeline.total_sessions:
    st.info(f"No sessions started from {filters.start} to {filters.end}.")
    st.stop()
left, right = st.columns([1, 4], vertical_alignment="bottom")
left.number_input("Page", min_value=1, max_value=timeline.pages, key="timeline-page")
first = (timeline.page - 1) * SESSIONS_PER_PAGE + 1
right.caption(
    f"Sessions {first}–{first + len(timeline.sessions) - 1} of {timeline.total_sessions:,}, newest first "
    "(reporting time zone)."
)
timeline_sessions(timeline)
