"""My insights on a phone-sized screen in a real browser: the demo member lands on it, nothing scrolls sideways."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000
PHONE = {"width": 390, "height": 844}
TOLERANCE_PX = 2


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    opened = context.new_page()
    yield opened
    context.close()


def test_the_member_page_fits_a_phone(server, phone):
    phone.goto(server.url, wait_until="domcontentloaded")
    phone.get_by_role("textbox", name="Username").wait_for(timeout=TIMEOUT_MS)
    phone.wait_for_load_state("networkidle")  # a form sent before the cookie component answers is lost
    phone.get_by_role("textbox", name="Username").fill("member")
    phone.get_by_role("textbox", name="Password").fill("pulse-member-demo")
    phone.get_by_role("button", name="Sign in").click()
    # The sidebar (and its "Signed in as") is folded away on a phone: the page itself shows we are in.
    phone.get_by_role("heading", name="My insights").wait_for(timeout=TIMEOUT_MS)
    phone.get_by_role("heading", name="Achievements").wait_for(timeout=TIMEOUT_MS)
    phone.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=TIMEOUT_MS)
    phone.wait_for_load_state("networkidle")

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + TOLERANCE_PX, (
        f"the page is {width} px wide on a {PHONE['width']} px screen"
    )
    values = phone.locator('[data-testid="stMetricValue"]')
    assert values.count() == 8  # this week (4) and performance (4)
    for index in range(values.count()):
        box = values.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + TOLERANCE_PX
    assert values.first.inner_text().strip().isdigit()
    for chart in phone.locator('[data-testid="stVegaLiteChart"]').all():
        box = chart.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"] + TOLERANCE_PX
    assert phone.locator('[data-testid="stException"]').count() == 0
    assert phone.locator('[data-testid="stAlertContentError"]').count() == 0
