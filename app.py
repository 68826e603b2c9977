"""Pulse's entry script: sign the viewer in, then show only the pages their role may open."""

import streamlit as st

from ui.auth import login_gate
from ui.navigation import build_navigation

st.set_page_config(page_title="Pulse", page_icon=":material/monitoring:", layout="wide")
viewer = login_gate()
build_navigation(viewer).run()
