"""The engagement page renders on generated data, its retention options work, and members are kept out."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.viewer import Viewer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "engagement.py")


def page_as(role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def test_page_renders_every_section(seeded_app_env):
    app = page_as("product_manager").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Engagement"
    assert [h.value for h in app.main.header] == [
        "Retention",
        "Lifecycle",
        "Stickiness",
        "Engagement score",
        "Feature adoption",
    ]
    assert len(app.get("vega_lite_chart")) == 6


def test_retention_options_rerun_the_matrix(seeded_app_env):
    app = page_as("analyst").run()
    app.selectbox(key="retention_period").select("day").run()
    app.selectbox(key="retention_window_day").select("rolling_24h").run()
    app.selectbox(key="retention_start_event").select("lesson").run()
    app.selectbox(key="retention_return_mode").select("on_or_after").run()
    app.toggle(key="stickiness_cumulative").set_value(True).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_members_may_not_open_it(seeded_app_env):
    app = page_as("member", user_id="u1").run()
    assert "Not allowed" in app.error[0].value
