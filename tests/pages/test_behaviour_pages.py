"""The behaviour and performance pages render on generated data, their options work, members are kept out."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.viewer import Viewer

PAGES = Path(__file__).resolve().parents[2] / "pages"


def page_as(name: str, role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def test_behaviour_page_renders_every_section(seeded_app_env):
    app = page_as("behaviour", "product_manager").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Behaviour"
    assert [h.value for h in app.main.header] == [
        "When people are active",
        "Consistency",
        "Sessions",
        "Segments",
    ]
    assert len(app.get("vega_lite_chart")) == 11


def test_performance_page_renders_with_a_breakdown(seeded_app_env):
    app = page_as("performance", "analyst").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Performance"
    assert len(app.get("vega_lite_chart")) == 6
    app.selectbox(key="performance_breakdown").select("plan").run()
    app.selectbox(key="movers_metric").select("speed_s").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


@pytest.mark.parametrize("name", ["behaviour", "performance"])
def test_members_may_not_open_them(seeded_app_env, name):
    app = page_as(name, "member", user_id="u1").run()
    assert "Not allowed" in app.error[0].value
