"""The real server in a real browser: events tracked through the API show on the real-time page without a reload."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from analytics.auth import accounts, tokens
from analytics.db import forget_database, open_database
from analytics.viewer import SYSTEM
from tests.e2e.conftest import Server
from tests.e2e.steps import open_page, sign_in

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000
EVENTS_5M = "Events, last 5 min"


@pytest.fixture(scope="module")
def tracking_server(
    seeded_master: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """A server of its own, and a tracking token made in its database before it started (one writer)."""
    folder = tmp_path_factory.mktemp("realtime-server")
    path = folder / "pulse.duckdb"
    shutil.copy(seeded_master, path)
    db = open_database(path)
    accounts.create_account(db, SYSTEM, "backend-owner", password="e2e backend owner", role="analyst")
    token = tokens.create_token(
        db, SYSTEM, name="e2e backend", days=1, owner="backend-owner", kind="tracking"
    )
    forget_database(path)
    running = Server(path, folder / "server.log")
    yield running, token.token
    running.stop()


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_tracked_events_appear_without_a_reload(tracking_server, page):
    server, token = tracking_server
    sign_in(page, server.url, "pm", "pulse-pm-demo")
    open_page(page, "Real time")
    page.locator('[data-testid="stMetric"]', has_text=EVENTS_5M).wait_for(timeout=TIMEOUT_MS)
    assert metric_value(page, EVENTS_5M) == "0"
    page.evaluate("window.pulseMarker = 'same page'")

    now = datetime.now(UTC)
    events = [
        {
            "event_id": f"e2e-live-{n}",
            "user_id": "u000001",
            "activity_type": "lesson",
            "timestamp": (now - timedelta(seconds=n)).isoformat(),
        }
        for n in range(3)
    ]
    answer = httpx.post(
        f"{server.url}/api/v1/analytics/track", json=events, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200 and answer.json()["accepted"] == 3, answer.text

    page.wait_for_function(
        """label => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .some(m => m.innerText.includes(label) && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === "3")""",
        arg=EVENTS_5M,
        timeout=30_000,
    )
    assert page.evaluate("window.pulseMarker") == "same page"  # the numbers changed in place
    page.get_by_text("e2e-live-0").first.wait_for(state="attached", timeout=TIMEOUT_MS)  # a canvas grid cell
    assert page.locator('[data-testid="stException"]').count() == 0
