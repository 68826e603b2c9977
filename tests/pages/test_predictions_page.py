"""The Predictions page: empty state, every panel after a run, the band filter, the run button."""

from __future__ import annotations

import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.predict import batch, run_batch
from analytics.viewer import SYSTEM, Viewer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "predictions.py")


def page_as(role: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role)
    return app


def test_before_any_run_it_says_how_to_start(seeded_app_env):
    app = page_as("product_manager").run()
    assert not app.exception, app.exception
    assert "No predictions yet" in app.info[0].value
    assert app.button[0].label == "Run predictions now"


def test_after_a_run_every_panel_renders(seeded_app_env):
    run_batch(seeded_app_env, SYSTEM)
    app = page_as("analyst").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert [h.value for h in app.header] == [
        "Churn risk",
        "Model quality",
        "Engagement, performance and skill",
    ]
    assert [m.label for m in app.metric] == ["ROC AUC", "PR AUC", "Brier score"]
    captions = " ".join(c.value for c in app.caption)
    assert "Churn: no event in the next 60 days." in captions
    assert re.search(
        r"Label check: of [\d,]+ users with no event in the 60 days after 20\d\d-\d\d-\d\d, \d+% were",
        captions,
    )
    assert len(app.get("vega_lite_chart")) == 2
    everyone = len(app.dataframe[0].value)
    app.get("segmented_control")[0].set_value("high").run()
    assert not app.exception, app.exception
    high = app.dataframe[0].value
    assert 0 < len(high) < everyone and set(high["risk_band"]) == {"high"}


def test_the_button_runs_the_models_in_the_background(seeded_app_env, monkeypatch):
    monkeypatch.setattr(batch, "STEPS", [batch.STEPS[0]])  # churn only: the panels need it, the rest is slow
    app = page_as("product_manager").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    deadline = time.monotonic() + 120
    while not app.success and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert not app.exception, app.exception
    assert "Predictions written as of 2025-06-30: churn 392 rows" in app.success[0].value
    assert [h.value for h in app.header][0] == "Churn risk"


def test_members_may_not_open_it(seeded_app_env):
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role("m", "member", user_id="u0001")
    app.run()
    assert "Not allowed" in app.error[0].value
