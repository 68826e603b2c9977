"""The user explorer and My dashboard render on generated data; members see themselves only."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.auth.demo import demo_member_user
from analytics.dashboard import CHARTS, add_pin, list_pins, pin_params
from analytics.filters import Filters
from analytics.users import latest_day
from analytics.viewer import Viewer
from tests.conftest import SEEDED_END
from ui.pins import RENDERERS

PAGES = Path(__file__).resolve().parents[2] / "pages"
JUNE = Filters(start=SEEDED_END.replace(day=1), end=SEEDED_END)


def page_as(name: str, viewer: Viewer, **query: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / name), default_timeout=60)
    app.session_state["viewer"] = viewer
    app.query_params.update(query)
    return app


def clean(app: AppTest) -> AppTest:
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    return app


@pytest.fixture
def pm() -> Viewer:
    return Viewer.for_role("test-pm", "product_manager")


def test_every_pinnable_chart_has_a_renderer():
    assert set(RENDERERS) == set(CHARTS)


def test_explorer_shows_a_user_from_the_link(seeded_app_env, pm):
    user = demo_member_user(seeded_app_env)
    app = clean(page_as("user_explorer.py", pm, user=user).run())
    assert app.title[0].value == "User explorer"
    assert [h.value for h in app.main.header][1:] == ["Activity", "Against peers", "Timeline"]
    assert len(app.get("vega_lite_chart")) == 2
    assert len(app.expander) > 0
    assert app.query_params["user"] == user
    app.number_input(key="timeline-page").set_value(2).run()
    app.button(key="pin-explorer-activity").click().run()
    clean(app)
    assert list_pins(seeded_app_env, pm)["chart"].tolist() == ["users.activity"]
    audited = seeded_app_env.rows("SELECT DISTINCT actor, target FROM audit_log WHERE action = 'view_user'")
    assert audited == [("test-pm", user)]


def test_explorer_search_opens_the_chosen_user(seeded_app_env, pm):
    app = clean(page_as("user_explorer.py", pm).run())
    assert "Search for a user" in app.info[0].value
    app.text_input(key="explorer-search").input("u00008").run()
    app.selectbox(key="explorer-match").select("u000085").run()
    clean(app)
    assert app.main.header[0].value == "Sara Walker"


def test_explorer_names_a_withdrawn_user_as_excluded(seeded_app_env, pm):
    withdrawn = seeded_app_env.scalar("SELECT min(user_id) FROM users WHERE NOT consent_analytics")
    app = page_as("user_explorer.py", pm).run()
    app.text_input(key="explorer-search").input(withdrawn).run()
    assert "excluded: consent withdrawn" in app.warning[0].value
    linked = page_as("user_explorer.py", pm, user=withdrawn).run()
    assert "excluded: consent withdrawn" in linked.error[0].value


def test_members_may_not_open_the_explorer(seeded_app_env):
    me = demo_member_user(seeded_app_env)
    member = Viewer.for_role("test-member", "member", user_id=me)
    app = page_as("user_explorer.py", member, user="u000001").run()
    assert "Not allowed" in app.error[0].value
    assert seeded_app_env.scalar("SELECT count(*) FROM audit_log WHERE action = 'view_user'") == 0


def test_overview_pins_its_daily_active_users(seeded_app_env, pm):
    app = clean(page_as("overview.py", pm).run())
    app.button(key="pin-overview.dau").click().run()
    clean(app)
    pins = list_pins(seeded_app_env, pm)
    assert pins["chart"].tolist() == ["overview.dau"]
    assert pins.loc[0, "params"]["rolling"] is True


def test_my_dashboard_draws_reorders_and_removes_pins(seeded_app_env, pm):
    charts = list(CHARTS)
    user = demo_member_user(seeded_app_env)
    for chart in charts:
        options = {"user": user} if CHARTS[chart].per_user else {}
        options = {"horizon_days": 14} if chart == "forecasts.forecast" else options
        add_pin(seeded_app_env, pm, chart, pin_params(JUNE, rolling=True, options=options))
    app = clean(page_as("my_dashboard.py", pm).run())
    assert [s.value for s in app.main.subheader] == [CHARTS[chart].title for chart in charts]
    assert len(app.get("vega_lite_chart")) == len(charts) - 1  # the KPIs are figures, not a chart
    first, second = list_pins(seeded_app_env, pm)["pin_id"].tolist()[:2]
    app.button(key=f"pin-down-{first}").click().run()
    assert list_pins(seeded_app_env, pm)["pin_id"].tolist()[:2] == [second, first]
    app.button(key=f"pin-remove-{first}").click().run()
    clean(app)
    assert first not in list_pins(seeded_app_env, pm)["pin_id"].tolist()
    assert len(app.main.subheader) == len(charts) - 1


def test_members_dashboard_shows_their_own_charts(seeded_app_env):
    me = demo_member_user(seeded_app_env)
    member = Viewer.for_role("test-member", "member", user_id=me)
    app = clean(page_as("my_dashboard.py", member).run())
    assert "Nothing pinned yet" in app.info[0].value
    add_pin(seeded_app_env, member, "users.activity", pin_params(JUNE, rolling=False, options={"user": me}))
    # A product-wide pin that got there anyway (say, the account's role changed) is refused on its own.
    with seeded_app_env.transaction() as cursor:
        cursor.execute(
            "INSERT INTO pins (account, chart, title, params, position, created_at) VALUES (?, ?, ?, ?, 5, now())",
            [
                "test-member",
                "overview.dau",
                "Daily active users",
                '{"filters": {"start": "2025-06-01", "end": "2025-06-30"}, "rolling": false, "options": {}}',
            ],
        )
    app = page_as("my_dashboard.py", member).run()
    assert not app.exception, app.exception
    assert len(app.get("vega_lite_chart")) == 1
    assert ["VIEW_OTHER_USER_ANALYTICS" in error.value for error in app.error] == [True]
    assert latest_day(seeded_app_env) == SEEDED_END
