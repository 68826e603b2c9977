"""Pulse records its own usage: app.py calls `record_page_view` once per run, after navigation is built.

A view is recorded when a browser tab arrives on a page. Reruns of the same page (a filter changed, a
button pressed, the sign-in cookie read) are not new views, so page views count pages opened, and the
time on a page runs until the tab's next view (analytics/usage.py, docs/metrics/usage.md).
"""

from __future__ import annotations

import secrets

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from analytics import usage
from analytics.viewer import Viewer
from ui.navigation import PAGES
from ui.state import database

BROWSER_SESSION_KEY = "pulse_browser_session"
LAST_VIEW_KEY = "pulse_last_page_view"
PAGE_FILES = {spec.title: spec.path for spec in PAGES}
"""The navigation names each page by its title; page views store the file, as PAGES does."""


def record_page_view(viewer: Viewer, page: StreamlitPage) -> None:
    """Record that `viewer` opened `page` in this browser tab, unless this run only reruns the same page."""
    path = PAGE_FILES[page.title]
    arrival = (viewer.account, path)
    if st.session_state.get(LAST_VIEW_KEY) == arrival:
        return
    browser_session = st.session_state.setdefault(BROWSER_SESSION_KEY, secrets.token_hex(8))
    usage.record_page_view(database(), viewer, path, browser_session=browser_session)
    st.session_state[LAST_VIEW_KEY] = arrival
