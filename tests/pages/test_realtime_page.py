"""The real-time page renders its numbers, chart and feed, and members are kept out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.ingest import track_events
from analytics.viewer import SYSTEM, Viewer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "realtime.py")


def page_as(role: str, **viewer: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = Viewer.for_role(f"test-{role}", role, **viewer)
    return app


def test_page_shows_the_last_hour(seeded_app_env):
    now = datetime.now(UTC).isoformat()
    track_events(
        seeded_app_env,
        SYSTEM,
        {"event_id": "live-1", "user_id": "u000001", "activity_type": "lesson", "timestamp": now},
    )
    app = page_as("product_manager").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Real time"
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Events, last 5 min"] == "1"
    assert metrics["Active users, last 60 min"] == "1"
    assert len(app.get("vega_lite_chart")) == 1
    assert app.dataframe[0].value["event_id"].tolist() == ["live-1"]


def test_members_may_not_open_it(seeded_app_env):
    app = page_as("member", user_id="u000001").run()
    assert "Not allowed" in app.error[0].value
