"""My insights renders for the demo member (signed in, landing on it) and for staff opening ?user=ID."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.auth.demo import demo_member_user
from analytics.personal import create_goal, list_goals
from analytics.predict import run_batch
from analytics.recommend import generate_recommendations, read_recommendations
from analytics.viewer import SYSTEM, Viewer
from tests.pages.signin import sign_in
from ui.navigation import allowed_pages

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "my_insights.py")
SECTIONS = [
    "This week",
    "Activity",
    "Performance",
    "Outlook",
    "Recommendations",
    "Insights",
    "Goals",
    "Achievements",
]


def page_as(viewer: Viewer, **query: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["viewer"] = viewer
    app.query_params.update(query)
    return app


def clean(app: AppTest) -> AppTest:
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


@pytest.fixture
def predicted(seeded_app_env):
    """The generated data set with a prediction run and a recommendation run."""
    run_batch(seeded_app_env, SYSTEM)
    generate_recommendations(seeded_app_env, SYSTEM)
    return seeded_app_env


def test_it_is_the_first_page_of_a_members_menu():
    member = Viewer.for_role("m", "member", user_id="u1")
    assert allowed_pages(member)[0].path == "pages/my_insights.py"


def test_the_demo_member_lands_on_their_insights(predicted):
    me = demo_member_user(predicted)
    app = clean(sign_in("member", "pulse-member-demo"))
    assert app.title[0].value == "My insights"
    assert [h.value for h in app.main.header] == [*SECTIONS, "Your data"]
    assert app.main.subheader[0].value.startswith("Hello ")
    assert len(app.get("vega_lite_chart")) == 1
    assert [m.label for m in app.metric][:4] == [
        "Active days this week so far (1 of 7 days)",
        "Events this week",
        "Current streak",
        "Longest streak",
    ]
    statements = [m.value for m in app.main.markdown]
    assert not any("churn" in text.lower() for text in statements)
    assert any(text.startswith("Keep it up") or text.startswith("At this pace") for text in statements)

    first = read_recommendations(predicted, SYSTEM, user_id=me, status="open")["recommendation_id"].iloc[0]
    app.button(key=f"rec-done-{first}").click().run()
    clean(app)
    assert read_recommendations(predicted, SYSTEM, user_id=me, status="done")[
        "recommendation_id"
    ].tolist() == [first]

    app.selectbox(key="goal-kind").select("days_per_week")
    app.number_input(key="goal-target").set_value(3)
    next(b for b in app.button if b.form_id == "new-goal").click().run()
    clean(app)
    goals = list_goals(predicted, SYSTEM, me)
    assert goals["title"].tolist() == ["Practise 3 days a week"]
    assert "Practise 3 days a week" in app.get("progress")[0].proto.text
    app.button(key=f"goal-delete-{goals['goal_id'][0]}").click().run()
    assert list_goals(predicted, SYSTEM, me).empty

    button(app, "Prepare a download of everything Pulse holds about me").click().run()
    labels = [download.label for download in clean(app).get("download_button")]
    assert labels == ["Download CSV", "Download my data (zip)"]  # the chart's, then the zip


def test_staff_open_a_user_from_the_link_and_it_is_audited(predicted):
    user = demo_member_user(predicted)
    create_goal(predicted, Viewer.for_role("m", "member", user_id=user), user, "reach_level", 9)
    app = clean(page_as(Viewer.for_role("test-pm", "product_manager"), user=user).run())
    assert app.title[0].value == "My insights"
    assert [h.value for h in app.main.header] == SECTIONS  # no download of someone else's data
    assert "recorded in the audit log" in app.main.caption[0].value
    assert any(m.value.startswith("Churn risk: ") for m in app.main.markdown)
    assert not [b for b in app.button if b.label in ("Mark done", "Dismiss", "Delete")]
    assert not [b for b in app.button if b.form_id == "new-goal"]
    audited = predicted.rows("SELECT DISTINCT actor, target FROM audit_log WHERE action = 'view_user'")
    assert audited == [("test-pm", user)]


def test_an_admin_may_set_a_users_goal(seeded_app_env):
    user = demo_member_user(seeded_app_env)
    app = clean(page_as(Viewer.for_role("test-admin", "admin"), user=user).run())
    assert "No predictions yet" in app.info[0].value
    next(b for b in app.button if b.form_id == "new-goal").click().run()
    clean(app)
    assert list_goals(seeded_app_env, SYSTEM, user)["created_by"].tolist() == ["test-admin"]


def test_staff_without_a_link_search_for_a_user(seeded_app_env):
    app = clean(page_as(Viewer.for_role("test-analyst", "analyst")).run())
    assert "not linked to a user" in app.info[0].value
    app.text_input(key="insights-search").input("u000085").run()
    app.button(key="insights-open-u000085").click().run()
    clean(app)
    assert app.query_params["user"] == "u000085"
    assert app.main.header[0].value == "This week"


def test_a_member_asking_for_someone_else_is_not_allowed(seeded_app_env):
    me = demo_member_user(seeded_app_env)
    app = page_as(Viewer.for_role("test-member", "member", user_id=me), user="u000001").run()
    assert not app.exception, app.exception
    assert "not allowed" in app.error[0].value
    assert not app.main.header
    assert seeded_app_env.scalar("SELECT count(*) FROM audit_log WHERE action = 'view_user'") == 0
