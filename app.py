"""Pulse's entry script: sign the viewer in, then show only the pages their role may open."""

import streamlit as st

from ui import altair_speed
from ui.auth import login_gate
from ui.navigation import build_navigation
from ui.usage_tracking import record_page_view

st.set_page_config(page_title="Pulse", page_icon=":material/monitoring:", layout="wide")
altair_speed.install()
viewer = login_gate()
page = build_navigation(viewer)
record_page_view(viewer, page)
page.run()
