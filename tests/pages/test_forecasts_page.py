"""The forecasts page renders on generated data, takes any metric spec, and keeps members out."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.viewer import Viewer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "forecasts.py")


def page_as(role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def test_page_shows_the_forecast_and_its_quality(seeded_app_env):
    app = page_as("product_manager").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Forecasts & trends"
    assert len(app.get("vega_lite_chart")) == 1
    assert [m.label for m in app.metric] == ["Forecast shown", "Seasonality"]
    assert any(m.value.startswith("**Trend:** rising") for m in app.markdown)
    assert any("backtest" in m.value for m in app.markdown)


def test_any_spec_and_options_rerun_the_forecast(seeded_app_env):
    app = page_as("analyst").run()
    app.text_input(key="forecast_spec").input("ratio:exercise/lesson").run()
    app.number_input(key="forecast_horizon").set_value(14).run()
    app.text_input(key="forecast_country").input("US").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_a_bad_spec_is_explained(seeded_app_env):
    app = page_as("analyst").run()
    app.text_input(key="forecast_spec").input("revenue").run()
    assert "Unknown metric 'revenue'" in app.error[0].value


def test_members_may_not_open_it(seeded_app_env):
    app = page_as("member", user_id="u1").run()
    assert "Not allowed" in app.error[0].value
