"""Health: database size and contents, data freshness, versions, uptime and query times."""

import pandas as pd
import streamlit as st

from analytics.health import health_report
from ui.auth import current_viewer
from ui.navigation import require_page
from ui.state import database, shown_errors

viewer = current_viewer()
require_page("pages/health.py", viewer)
st.title("Health")

with shown_errors():
    report = health_report(database(), viewer)
details = report.details or {}

top = st.columns(4)
top[0].metric("Status", report.status)
top[1].metric("App version", report.app_version)
top[2].metric("Schema version", report.schema_version)
top[3].metric("Uptime", f"{report.uptime_s / 3600:.1f} h")

fresh = st.columns(3)
fresh[0].metric("Newest event (UTC)", str(report.newest_event_at or "none"))
fresh[1].metric(
    "Data freshness", "n/a" if report.freshness_s is None else f"{report.freshness_s / 3600:.1f} h old"
)
fresh[2].metric("Database size", f"{details.get('database_bytes', 0) / 1e6:,.1f} MB")

times = details.get("query_times", {})
st.subheader("Query times since start")
st.write(f"{times.get('queries', 0):,} queries — p50 {times.get('p50_ms')} ms, p95 {times.get('p95_ms')} ms")
st.caption(f"Database file: {details.get('database_path')}; analytic reads: {details.get('analytic_engine')}")

st.subheader("Rows per table")
counts = pd.DataFrame(sorted(details.get("row_counts", {}).items()), columns=["table", "rows"])
st.dataframe(counts, hide_index=True, width="stretch")
