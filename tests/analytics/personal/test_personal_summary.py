"""The composed page: members see only themselves, staff any consenting user (audited), empty data works."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import ConsentWithdrawn, NotFoundError, PermissionDenied
from analytics.personal import personal_page
from analytics.viewer import Viewer
from tests.analytics.personal.personal_data import AS_OF, fill

ANA = Viewer.for_role("ana-account", "member", user_id="ana")
PM = Viewer.for_role("pm", "product_manager")


@pytest.fixture
def filled(db):
    return fill(db)


def view_audits(db) -> list[tuple]:
    return db.rows("SELECT actor, target, source FROM audit_log WHERE action = 'view_user' ORDER BY audit_id")


def test_a_member_sees_their_own_page(filled):
    page = personal_page(filled, ANA, "ana")
    assert page.own
    assert page.as_of == date(2024, 3, 14)  # the last day with data
    assert (page.period.start, page.period.end) == (date(2024, 2, 16), date(2024, 3, 14))
    assert page.profile.display_name == "Ana Lima"
    assert page.week.active_days == 3 and page.streaks.current_days == 2
    assert len(page.weekly) == 12 and not page.weekly["complete"].iloc[-1]
    assert page.achievements.set_index("achievement").at["first_week", "earned"]
    assert view_audits(filled) == []


def test_staff_open_any_page_and_each_look_is_audited(filled):
    page = personal_page(filled, PM, "ana", as_of=AS_OF, source="10.0.0.9")
    assert not page.own and page.as_of == AS_OF
    assert view_audits(filled) == [("pm", "ana", "10.0.0.9")]


def test_members_may_not_open_someone_else(filled):
    with pytest.raises(
        PermissionDenied, match="not allowed to do this: it needs the VIEW_OTHER_USER_ANALYTICS"
    ):
        personal_page(filled, Viewer.for_role("b", "member", user_id="bob"), "ana")
    assert view_audits(filled) == []


def test_unknown_and_withdrawn_users_are_refused(filled):
    with filled.transaction() as cursor:
        cursor.execute("UPDATE users SET consent_analytics = FALSE WHERE user_id = 'p1'")
    with pytest.raises(NotFoundError, match="No user has the user_id 'zed'"):
        personal_page(filled, PM, "zed")
    with pytest.raises(ConsentWithdrawn, match="'p1' is excluded: consent withdrawn"):
        personal_page(filled, PM, "p1")


def test_a_user_without_activity_gets_an_empty_page(filled):
    page = personal_page(filled, Viewer.for_role("b", "member", user_id="bob"), "bob", as_of=AS_OF)
    assert page.weekly["active_days"].sum() == 0
    assert page.week.usual_active_days is None and page.streaks.longest_days == 0
    assert page.sessions.sessions == 0 and page.outlook == []
    assert page.insights[0].text == "Active days: 0, lower than 100% of your 6 peers (same plan; median 1)"
    assert not page.achievements["earned"].any()
