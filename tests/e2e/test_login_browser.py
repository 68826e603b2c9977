"""The real server in a real browser: each demo role signs in and sees exactly its menu; logout sticks."""

from __future__ import annotations

import pytest

from analytics.auth.demo import DEMO_ACCOUNTS
from analytics.viewer import Viewer
from tests.e2e.steps import TIMEOUT_MS, sign_in
from ui.navigation import allowed_pages

pytestmark = pytest.mark.browser


def menu_entries(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNavLink"]')
    return [text.strip().splitlines()[-1] for text in links.all_inner_texts()]  # drop the icon name


@pytest.mark.parametrize("demo", DEMO_ACCOUNTS, ids=[d.username for d in DEMO_ACCOUNTS])
def test_each_role_sees_its_menu(server, page, demo):
    sign_in(page, server.url, demo.username, demo.password)
    expected = [spec.title for spec in allowed_pages(Viewer.for_role(demo.username, demo.role, "any"))]
    page.get_by_role("heading", name=expected[0]).wait_for(timeout=TIMEOUT_MS)
    entries = menu_entries(page)
    if len(expected) == 1:  # Streamlit hides the menu of a one-page app
        assert entries == [] or entries == expected
    else:
        assert sorted(entries) == sorted(expected)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_sign_in_survives_reload_and_logout_sticks(server, page):
    sign_in(page, server.url, "analyst", "pulse-analyst-demo")
    page.wait_for_timeout(1500)  # let the cookie component write the cookie
    page.reload(wait_until="domcontentloaded")
    page.get_by_text("Signed in as analyst").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("textbox", name="Username").wait_for(timeout=TIMEOUT_MS)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("textbox", name="Username").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Signed in as").count() == 0


def test_a_link_to_a_page_asks_to_sign_in_then_opens_it(server, page):
    page.goto(f"{server.url}/audit", wait_until="domcontentloaded")
    page.get_by_role("textbox", name="Username").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="stSidebarNavLink"]').count() == 0
    page.get_by_role("textbox", name="Username").fill("admin")
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Sign-in failed").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name="Password").fill("pulse-admin-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Audit log").wait_for(timeout=TIMEOUT_MS)
