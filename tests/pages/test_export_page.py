"""The Export page renders, exports in the background then offers the file, manages schedules, keeps others out."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.viewer import Viewer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "export.py")


def page_as(role: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role)
    return app


def assert_clean(app: AppTest) -> None:
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_an_export_runs_in_the_background_then_offers_the_file(seeded_app_env):
    app = page_as("analyst").run()
    assert_clean(app)
    assert app.title[0].value == "Export"
    app.selectbox(key="now-dataset").select("daily_metrics").run()
    app.button(key="now-export").click().run()
    assert_clean(app)
    app.session_state["export_task"].thread.join(timeout=60)
    app.run()
    assert_clean(app)
    task = app.session_state["export_task"]
    assert task.result.rows > 0 and task.path.exists()
    assert app.success[0].value.startswith(f"{task.result.rows:,} rows exported")
    assert len(app.get("download_button")) == 1


def test_bad_input_is_shown_not_raised(seeded_app_env):
    app = page_as("analyst").run()
    app.text_input(key="now-segment").input("colour=red").run()
    assert "Unknown segment key 'colour'" in app.error[0].value


def test_a_folder_schedule_is_created_listed_and_deleted(seeded_app_env):
    app = page_as("analyst").run()
    app.text_input(key="plan-name").input("Weekly users").run()
    app.selectbox(key="plan-dataset").select("users").run()
    app.selectbox(key="plan-frequency").select("weekly").run()
    app.text_input(key="plan-target").input("weekly").run()
    app.button(key="plan-create").click().run()
    assert_clean(app)
    assert app.success[0].value.startswith("Schedule ")
    app.run()
    listing = app.dataframe[0].value
    assert listing["name"].tolist() == ["Weekly users"] and listing["frequency"].tolist() == ["weekly"]
    app.button(key="plan-delete").click().run()
    assert_clean(app)
    assert app.dataframe[0].value.empty


def test_product_managers_may_not_open_it(seeded_app_env):
    app = page_as("product_manager").run()
    assert "Not allowed" in app.error[0].value
