"""The Alerts page: rules created, switched and backtested from the page; alerts judged; members kept out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.alerts import create_rule, list_alerts
from analytics.alerts.evaluate import evaluate_rules
from analytics.viewer import Viewer
from config.permissions import Permission

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "alerts.py")
PM = Viewer.for_role("test-pm", "product_manager")


def page_as(role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def ok(app: AppTest) -> None:
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_an_analyst_creates_a_rule_from_the_form(seeded_app_env):
    app = page_as("analyst").run()
    ok(app)
    assert app.title[0].value == "Alerts"
    assert [m.label for m in app.metric] == ["Alerts", "Judged by users", "Judged useful"]
    app.text_input(key="rule_name").input("Lessons fall")
    app.text_input(key="rule_spec").input("count:lesson")
    app.selectbox(key="rule_grain").set_value("week")
    app.selectbox(key="rule_condition").set_value("change")
    app.number_input(key="rule_threshold").set_value(30.0)
    app.button[-1].click().run()  # the form's "Create rule"
    ok(app)
    rules = seeded_app_env.rows(
        "SELECT name, metric, grain, condition, direction, threshold FROM alert_rules"
    )
    assert rules == [("Lessons fall", "count:lesson", "week", "change", "below", 30.0)]


def test_a_bad_rule_is_explained(seeded_app_env):
    app = page_as("product_manager").run()
    app.text_input(key="rule_name").input("Needs a threshold")
    app.button[-1].click().run()
    assert "threshold: must be a finite number for a threshold rule" in app.error[0].value


def test_alerts_are_listed_and_judged(seeded_app_env):
    create_rule(
        seeded_app_env,
        PM,
        name="Busy",
        metric="events",
        condition="threshold",
        direction="above",
        threshold=1,
    )
    evaluate_rules(seeded_app_env, today=date(2025, 6, 30))
    app = page_as("product_manager").run()
    ok(app)
    assert app.metric[0].value == "1"
    app.button(key="mark_useful").click().run()
    ok(app)
    assert list_alerts(seeded_app_env, PM)["feedback"].tolist() == ["useful"]
    assert app.metric[2].value == "100%"


def test_rules_are_switched_off_backtested_and_deleted(seeded_app_env):
    create_rule(
        seeded_app_env,
        PM,
        name="Quiet",
        metric="events",
        condition="threshold",
        direction="below",
        threshold=40,
    )
    app = page_as("product_manager").run()
    app.button(key="rule_backtest").click().run()
    ok(app)
    assert any("of the last 28 periods would have alerted" in caption.value for caption in app.caption)
    app.button(key="rule_toggle").click().run()
    ok(app)
    assert seeded_app_env.scalar("SELECT enabled FROM alert_rules") is False
    app.button(key="rule_delete").click().run()
    ok(app)
    assert seeded_app_env.scalar("SELECT count(*) FROM alert_rules") == 0


def test_viewers_without_generate_predictions_cannot_edit(seeded_app_env):
    create_rule(
        seeded_app_env,
        PM,
        name="Quiet",
        metric="events",
        condition="threshold",
        direction="below",
        threshold=40,
    )
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer(
        "watcher", "watcher", PM.permissions - {Permission.GENERATE_PREDICTIONS}
    )
    app.run()
    ok(app)
    assert app.button(key="rule_delete").disabled
    assert any("needs the GENERATE_PREDICTIONS permission" in caption.value for caption in app.caption)


def test_members_may_not_open_it(seeded_app_env):
    app = page_as("member", user_id="u1").run()
    assert "Not allowed" in app.error[0].value
