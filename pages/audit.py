"""Audit log (administrators): who did what, to whom, when and from where; newest first, filtered."""

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from analytics.audit import read_log
from ui.auth import current_viewer
from ui.downloads import csv_download
from ui.navigation import require_page
from ui.state import database, shown_errors

DEFAULT_DAYS = 30
MAX_ROWS = 5000

viewer = current_viewer()
require_page("pages/audit.py", viewer)
st.title("Audit log")

today = datetime.now(UTC).date()
period, actor_col, action_col = st.columns([2, 1, 1])
picked = period.date_input(
    "Days (UTC)", value=(today - timedelta(days=DEFAULT_DAYS - 1), today), max_value=today
)
actor = actor_col.text_input("Actor", placeholder="any account").strip().lower() or None
action = action_col.text_input("Action", placeholder="e.g. login_failed").strip() or None
if len(picked) != 2:
    st.stop()
start, end = picked

with shown_errors():
    log = read_log(
        database(),
        viewer,
        start=datetime.combine(start, time()),
        end=datetime.combine(end + timedelta(days=1), time()),
        actor=actor,
        action=action,
        limit_rows=MAX_ROWS,
    )
st.caption(f"{len(log):,} records from {start} to {end} (UTC), newest first; at most {MAX_ROWS:,} are shown.")
st.dataframe(log, hide_index=True, width="stretch")
st.download_button("Download these records as CSV", csv_download(log), "audit_log.csv", "text/csv")
