"""The Insights and Compare users pages render on generated data, react to their controls, keep members out."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.viewer import Viewer

PAGES = Path(__file__).resolve().parents[2] / "pages"


def page_as(name: str, role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / name), default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def assert_clean(app: AppTest) -> None:
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_insights_page_ranks_statements_and_shows_the_compass_table(seeded_app_env):
    app = page_as("insights.py", "product_manager").run()
    assert_clean(app)
    assert app.title[0].value == "Insights"
    assert [h.value for h in app.main.header] == [
        "What stands out",
        "What goes with retention",
        "Performance and engagement",
    ]
    assert len(app.get("vega_lite_chart")) == 1
    assert len(app.dataframe) == 2
    app.segmented_control(key="insights_early_days").set_value(3).run()
    app.slider(key="insights_max_items").set_value(3).run()
    assert_clean(app)


def test_compare_page_side_by_side_and_against_peers(seeded_app_env):
    app = page_as("compare.py", "analyst")
    app.query_params["users"] = "u000001,u000002"
    app.run()
    assert_clean(app)
    assert app.title[0].value == "Compare users"
    assert app.multiselect(key="compare_users").value == ["u000001", "u000002"]
    assert [h.value for h in app.main.header] == ["Side by side", "Against peers"]
    assert len(app.get("vega_lite_chart")) >= 2
    app.text_input(key="compare_search").input("u00001").run()
    assert "u000010" in app.multiselect(key="compare_users").options
    app.segmented_control(key="compare_group").set_value("country").run()
    app.selectbox(key="compare_metric").select("accuracy").run()
    assert_clean(app)


def test_compare_page_asks_for_users_first(seeded_app_env):
    app = page_as("compare.py", "product_manager").run()
    assert_clean(app)
    assert "Search for users" in app.info[0].value


def test_members_may_not_open_either_page(seeded_app_env):
    for name in ("insights.py", "compare.py"):
        app = page_as(name, "member", user_id="u000001").run()
        assert "Not allowed" in app.error[0].value
