"""Who is viewing: the signed-in account as a Viewer."""

from __future__ import annotations

import streamlit as st

from analytics.viewer import Viewer

VIEWER_KEY = "viewer"


def login_gate() -> Viewer:
    """The viewer of this session (a demo administrator until accounts exist)."""
    if VIEWER_KEY not in st.session_state:
        st.session_state[VIEWER_KEY] = Viewer.for_role("demo-admin", "admin")
    return st.session_state[VIEWER_KEY]


def current_viewer() -> Viewer:
    """The viewer set by login_gate in app.py (pages call this)."""
    return st.session_state[VIEWER_KEY]
