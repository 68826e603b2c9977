"""The funnels and paths pages render on generated data, their options work, and members are kept out."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.viewer import Viewer

PAGES = Path(__file__).resolve().parents[2] / "pages"


def page_as(page: str, role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / page), default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def assert_clean(app: AppTest) -> None:
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_funnels_page_renders_the_default_funnel(seeded_app_env):
    app = page_as("funnels.py", "product_manager").run()
    assert_clean(app)
    assert app.title[0].value == "Funnels"
    assert app.multiselect(key="funnel_steps").value == ["signup", "lesson", "exercise", "upgrade"]
    assert len(app.get("vega_lite_chart")) == 2
    assert [h.value for h in app.subheader] == ["Conversion by step", "Time to convert"]


def test_funnels_page_options(seeded_app_env):
    app = page_as("funnels.py", "analyst").run()
    app.selectbox(key="funnel_order").select("strict").run()
    app.selectbox(key="funnel_unit").select("hours").run()
    app.selectbox(key="funnel_breakdown").select("plan").run()
    assert_clean(app)
    assert [h.value for h in app.subheader][-1] == "By plan"
    app.selectbox(key="funnel_breakdown").select("attribute").run()
    app.text_input(key="funnel_attribute").input("referrer").run()
    assert_clean(app)
    app.multiselect(key="funnel_steps").set_value(["lesson"]).run()
    assert "at least two steps" in app.info[0].value


def test_paths_page_renders_and_switches_direction(seeded_app_env):
    app = page_as("paths.py", "product_manager").run()
    assert_clean(app)
    assert app.title[0].value == "Paths"
    assert len(app.get("vega_lite_chart")) == 2
    app.selectbox(key="paths_direction").select("previous").run()
    app.slider(key="paths_depth").set_value(2).run()
    assert_clean(app)


def test_members_may_not_open_them(seeded_app_env):
    for page in ("funnels.py", "paths.py"):
        app = page_as(page, "member", user_id="u1").run()
        assert "Not allowed" in app.error[0].value
