"""A product manager changes a filter, drills into a chart and downloads its data, in a real browser."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.steps import TIMEOUT_MS, open_page, sign_in

pytestmark = pytest.mark.browser


def test_filter_drill_down_and_csv(server, page):
    sign_in(page, server.url, "pm", "pulse-pm-demo")
    open_page(page, "Engagement", heading="Retention")

    # A filter lives in the URL, so the view survives reload and can be shared.
    page.get_by_role("radio", name="week", exact=True).click()
    page.wait_for_url("**grain=week**", timeout=TIMEOUT_MS)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("heading", name="Retention").wait_for(timeout=TIMEOUT_MS)
    assert "grain=week" in page.url

    # Drill down: click the first cohort's period-0 cell of the retention heatmap.
    heatmap = page.locator('[data-testid="stVegaLiteChart"]').first
    heatmap.wait_for(timeout=TIMEOUT_MS)
    box = heatmap.bounding_box()
    listed = page.get_by_text("returned,", exact=False)
    for x_share in (0.2, 0.25, 0.3):
        page.mouse.click(box["x"] + box["width"] * x_share, box["y"] + 12)
        try:
            listed.first.wait_for(timeout=15_000)
            break
        except Exception:  # the click landed between cells: try a little further right
            continue
    listed.first.wait_for(timeout=TIMEOUT_MS)

    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Download these users as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert rows and set(rows[0]) == {"user_id", "returned"}
    assert page.locator('[data-testid="stException"]').count() == 0
