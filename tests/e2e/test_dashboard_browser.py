"""A product manager changes a filter, drills into a chart and downloads its data, in a real browser."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.steps import TIMEOUT_MS, open_page, sign_in, wait_until_idle

pytestmark = pytest.mark.browser
CLICK_WAIT_MS = 5_000


def test_filter_drill_down_and_csv(server, page):
    sign_in(page, server.url, "pm", "pulse-pm-demo")
    open_page(page, "Engagement", heading="Retention")

    # A filter lives in the URL, so the view survives reload and can be shared.
    page.get_by_role("radio", name="week", exact=True).click()
    page.wait_for_url("**grain=week**", timeout=TIMEOUT_MS)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("heading", name="Retention").wait_for(timeout=TIMEOUT_MS)
    assert "grain=week" in page.url

    # Drill down: click the first cohort's first cell of the retention heatmap (drawn on a canvas, so by
    # position: the cells start after the axis labels, whose width depends on the data and the fonts).
    heatmap = page.locator('[data-testid="stVegaLiteChart"]').first
    heatmap.wait_for(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    box = heatmap.bounding_box()
    listed = page.get_by_text("returned,", exact=False)
    points = [(x_share, y) for y in (12, 18, 24) for x_share in (0.2, 0.25, 0.3, 0.35, 0.4)]
    for x_share, y in points:
        page.mouse.click(box["x"] + box["width"] * x_share, box["y"] + y)
        try:
            listed.first.wait_for(timeout=CLICK_WAIT_MS)
            break
        except Exception:  # the click landed between or beside the cells: try the next point
            continue
    listed.first.wait_for(timeout=TIMEOUT_MS)

    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Download these users as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert rows and set(rows[0]) == {"user_id", "returned"}
    assert page.locator('[data-testid="stException"]').count() == 0
