"""The Pulse usage page renders for administrators only, and app.py records one view per page opened."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.auth.clock import utc_now
from analytics.usage import record_page_view
from analytics.viewer import Viewer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "pulse_usage.py")


def page_as(role: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role)
    return app


def test_an_administrator_sees_every_success_metric(seeded_app_env):
    pm = Viewer.for_role("pm", "product_manager")
    now = utc_now()
    for seconds, page in ((0, "pages/overview.py"), (95, "pages/funnels.py"), (400, "pages/overview.py")):
        record_page_view(
            seeded_app_env, pm, page, browser_session="tab", now=now - timedelta(seconds=seconds)
        )
    app = page_as("admin").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Pulse usage"
    assert [h.value for h in app.header] == [
        "Analytics adoption",
        "Dashboard usage",
        "Recommendations",
        "Alert precision",
    ]
    labels = [m.label for m in app.metric]
    assert labels == ["Implemented", "Done", "Dismissed", "Ignored", "Pending"] + [
        "Judged useful",
        "Useful",
        "Noise",
        "Alerts raised",
    ]
    app.segmented_control(key="usage_grain").set_value("week").run()
    app.number_input(key="usage_ignored_days").set_value(3).run()
    assert not app.exception, app.exception


def test_other_roles_are_not_allowed(seeded_app_env):
    app = page_as("analyst").run()
    assert any("Not allowed" in error.value for error in app.error)


def opening_pages() -> None:
    """A run of app.py reduced to the hook: the viewer and the page navigation returned come from state."""
    from types import SimpleNamespace

    import streamlit as st

    from analytics.viewer import Viewer
    from ui.usage_tracking import record_page_view

    viewer = Viewer.for_role(st.session_state["account"], "admin")
    record_page_view(viewer, SimpleNamespace(title=st.session_state["title"]))


def test_one_view_is_recorded_per_page_opened_not_per_rerun(seeded_app_env):
    app = AppTest.from_function(opening_pages)
    for account, title in [
        ("admin", "Overview"),
        ("admin", "Overview"),  # a rerun of the same page: a filter changed
        ("admin", "Pulse usage"),
        ("admin", "Overview"),
        ("other", "Overview"),  # another account signed in on the same tab
    ]:
        app.session_state["account"], app.session_state["title"] = account, title
        app.run()
        assert not app.exception, app.exception
    found = seeded_app_env.rows("SELECT account, role, page FROM page_views ORDER BY viewed_at")
    assert found == [
        ("admin", "admin", "pages/overview.py"),
        ("admin", "admin", "pages/pulse_usage.py"),
        ("admin", "admin", "pages/overview.py"),
        ("other", "admin", "pages/overview.py"),
    ]
    assert seeded_app_env.scalar("SELECT count(DISTINCT browser_session) FROM page_views") == 1
