"""The real server in a real browser: signed in as the product manager, the overview shows numbers and no error."""

from __future__ import annotations

import pytest

from tests.e2e.steps import sign_in

pytestmark = pytest.mark.browser


def test_overview_shows_kpis(server, page):
    sign_in(page, server.url, "pm", "pulse-pm-demo")
    page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
    metrics = page.locator('[data-testid="stMetricValue"]')
    metrics.first.wait_for(timeout=60_000)
    values = [text.replace(",", "").rstrip("%") for text in metrics.all_inner_texts()]
    assert len(values) == 8, values
    assert all(float(value) >= 0 for value in values) and float(values[0]) > 0, values
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
