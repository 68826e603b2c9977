"""My insights: a member's own activity, performance, outlook, recommendations, goals and achievements.

Members see themselves; people who may look at other users open anyone's page with `?user=ID`
(each such look is audited). Works on a phone: figures in pairs, charts stretched.
"""

import streamlit as st

from analytics.personal import create_goal, delete_goal, goal_progress, may_change_goals, personal_page
from analytics.personal.summary import PERIOD_DAYS
from analytics.privacy.access import export_user_data
from analytics.recommend import read_recommendations, set_recommendation_status
from analytics.users import find_users
from config.permissions import Permission
from ui.auth import current_viewer, request_source
from ui.navigation import require_page
from ui.panels import chart_panel
from ui.personal_views import (
    achievement_list,
    activity_chart,
    goal_form,
    goal_list,
    performance_panel,
    recommendation_cards,
    week_panel,
)
from ui.state import cached, database, shown_errors

viewer = current_viewer()
require_page("pages/my_insights.py", viewer)
db = database()
source = request_source()
st.title("My insights")
user_id = st.query_params.get("user") or viewer.user_id

if user_id is None:
    st.info("Your account is not linked to a user of the product. Find a user to open their insights page.")
    text = st.text_input(
        "Find a user", key="insights-search", placeholder="the start of an id, name or email"
    )
    if text.strip():
        with shown_errors():
            found = find_users(db, viewer, text).users
        if found.empty:
            st.caption("No user matches.")
        for row in found.itertuples():
            if st.button(f"{row.user_id} · {row.display_name or '–'}", key=f"insights-open-{row.user_id}"):
                st.query_params["user"] = row.user_id
                st.rerun()
    st.stop()

with shown_errors():
    page = cached(
        "personal_page",
        lambda: personal_page(db, viewer, user_id, source=source),
        role=viewer.role,
        account=viewer.account,
        user=user_id,
    )
name = page.profile.display_name or user_id
if page.own:
    st.subheader(f"Hello {(name.split() or [user_id])[0]}")
else:
    st.subheader(f"{name} · `{user_id}`")
    st.caption("You are looking at another user's insights; the view is recorded in the audit log.")
st.caption(f"Figures up to {page.as_of:%A %d %B %Y} (reporting time zone).")

st.header("This week")
week_panel(page)

st.header("Activity")
chart_panel(
    activity_chart(page.weekly),
    page.weekly,
    definition="Days with at least one event, per Monday week; the paler bar is the week in progress.",
    key="my-activity",
)
sessions = page.sessions
typical = (
    ""
    if sessions.median_duration_s is None
    else f", typically {sessions.median_duration_s / 60:.0f} min long"
)
st.caption(
    f"{sessions.sessions} sessions in the last {PERIOD_DAYS} days ({sessions.sessions_per_week:.1f} a week){typical}."
)

st.header("Performance")
performance_panel(page.performance, page.performance_weekly, own=page.own)

st.header("Outlook")
if not page.outlook:
    st.info("No predictions yet: they appear after the next model run.")
for statement in page.outlook:
    st.markdown(statement.text)
    st.caption(statement.small_print)

st.header("Recommendations")
with shown_errors():
    recommendations = read_recommendations(db, viewer, user_id=user_id)
if recommendations.empty:
    st.info("No recommendations yet: they appear after the next recommendation run.")
else:
    clicked = recommendation_cards(recommendations, actions=page.own)
    if clicked:
        with shown_errors():
            set_recommendation_status(db, viewer, *clicked)
        st.rerun()

st.header("Insights")
if not page.insights:
    st.info(f"Nothing stands out in the last {PERIOD_DAYS} days.")
for insight in page.insights:
    st.markdown(f"- {insight.text}")

st.header("Goals")
changeable = may_change_goals(viewer, user_id)
with shown_errors():
    progress = goal_progress(db, viewer, user_id, as_of=page.as_of)
if progress.empty:
    st.caption("No goals yet." if changeable else "This user has set no goals.")
removed = goal_list(progress, deletable=changeable)
if removed:
    with shown_errors():
        delete_goal(db, viewer, removed, source=source)
    st.rerun()
if changeable:
    new = goal_form()
    if new:
        with shown_errors():
            create_goal(db, viewer, user_id, *new, source=source)
        st.rerun()

st.header("Achievements")
achievement_list(page.achievements)

if page.own and viewer.can(Permission.VIEW_USER_ANALYTICS):
    st.header("Your data")
    if st.button("Prepare a download of everything Pulse holds about me", key="my-data"):
        with shown_errors():
            archive = export_user_data(db, viewer, user_id, source=source)
        st.download_button(
            "Download my data (zip)",
            archive,
            file_name=f"pulse-data-{user_id}.zip",
            mime="application/zip",
            on_click="ignore",
        )
