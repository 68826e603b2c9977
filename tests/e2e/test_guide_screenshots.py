"""Screenshots for the user guides (docs/guides/): each role signs in to the real server and saves its key pages.

The PNGs go to the folder named by PULSE_SCREENSHOTS_DIR, or a temporary one, so a test run never
writes into the repository. The committed docs/screenshots/ come from

    PULSE_SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest tests/e2e/test_guide_screenshots.py

The server runs on its own copy of the generated data set, with what a month of use leaves behind:
a prediction run, members' verdicts on recommendations, judged alerts, and page views.
"""

from __future__ import annotations

import io
import os
import random
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from analytics.alerts import create_rule, mark_alert
from analytics.alerts.evaluate import evaluate_rules
from analytics.auth.accounts import create_account
from analytics.auth.clock import utc_now
from analytics.auth.demo import DEMO_ACCOUNTS, ensure_demo_accounts
from analytics.db import forget_database, open_database
from analytics.predict.batch import run_batch
from analytics.recommend.store import set_recommendation_status
from analytics.usage import record_page_view
from analytics.viewer import SYSTEM, Viewer
from tests.conftest import SEEDED_END
from tests.e2e.conftest import Server
from tests.e2e.steps import sign_in
from ui.navigation import PAGES, allowed_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1280, "height": 1000}
PASSWORDS = {demo.username: demo.password for demo in DEMO_ACCOUNTS}
USAGE_DAYS = 28
QUIET_ACCOUNTS = (
    ("pm2", "product_manager", None),
    ("analyst2", "analyst", None),
    ("member2", "member", "u000002"),
)
"""Accounts that use Pulse rarely or never, so adoption is not 100% everywhere."""


def leave_history(path: Path) -> None:
    """What a month of use leaves in the database: predictions, verdicts, alerts, accounts and page views."""
    db = open_database(path)
    ensure_demo_accounts(db, demo_mode=True)
    run_batch(db, SYSTEM)
    with db.transaction() as cursor:  # as if the prediction run had been three weeks ago
        cursor.execute("UPDATE recommendations SET created_at = created_at - INTERVAL 21 DAY")
    first = db.rows("SELECT recommendation_id FROM recommendations ORDER BY recommendation_id LIMIT 300")
    for number, (recommendation_id,) in enumerate(first):
        set_recommendation_status(db, SYSTEM, recommendation_id, "dismissed" if number % 3 == 0 else "done")
    create_rule(db, SYSTEM, name="Daily events fall", metric="events", condition="change", direction="below",
                threshold=40)  # fmt: skip
    for days_back in range(60, 0, -1):
        evaluate_rules(db, today=SEEDED_END - timedelta(days=days_back - 1))
    alert_ids = [row[0] for row in db.rows("SELECT alert_id FROM alerts ORDER BY period_start")]
    for number, alert_id in enumerate(alert_ids[:-1]):
        mark_alert(db, SYSTEM, alert_id, "noise" if number % 4 == 0 else "useful")
    for username, role, user_id in QUIET_ACCOUNTS:
        create_account(db, SYSTEM, username, password="a quiet demo account", role=role, user_id=user_id)
    visit_pages(db, random.Random(42))
    forget_database(path)


def visit_pages(db, draw: random.Random) -> None:
    """A month of made-up visits, so the usage charts have a history: the demo accounts on most days,
    one quiet account once, three weeks ago."""
    now = utc_now()
    for demo in DEMO_ACCOUNTS:
        for days_back in range(USAGE_DAYS, 0, -1):
            if draw.random() < 0.6:
                at = now - timedelta(days=days_back, hours=draw.uniform(0, 10))
                visit(db, draw, Viewer.for_role(demo.username, demo.role), at=at)
    visit(db, draw, Viewer.for_role("pm2", "product_manager"), at=now - timedelta(days=21))


def visit(db, draw: random.Random, viewer: Viewer, *, at) -> None:
    """One visit in a tab of its own: 2 to 8 of the pages the viewer may open, a few minutes apart."""
    pages = [spec.path for spec in allowed_pages(viewer)]
    tab = f"{viewer.account}-{at:%Y%m%d%H%M}"
    for _ in range(draw.randint(2, 8)):
        record_page_view(db, viewer, draw.choice(pages), browser_session=tab, now=at)
        at += timedelta(seconds=draw.expovariate(1 / 150))


@pytest.fixture(scope="module")
def guide_server(seeded_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("guide-server")
    path = folder / "pulse.duckdb"
    shutil.copy(seeded_master, path)
    leave_history(path)
    running = Server(path, folder / "server.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the PNGs go: PULSE_SCREENSHOTS_DIR (relative to the project root) or a temporary folder."""
    named = os.environ.get("PULSE_SCREENSHOTS_DIR")
    folder = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    if not folder.is_absolute():
        folder = Path(__file__).resolve().parents[2] / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screen(browser) -> Iterator[object]:
    context = browser.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    yield opened
    context.close()


def settle(page) -> None:
    """Wait until the app's run has finished and every chart is drawn."""
    page.wait_for_timeout(300)  # a rerun asked for by a click starts within this
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=TIMEOUT_MS)
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart.locator("canvas, svg").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(700)  # Vega draws after its data arrives
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def open_page(page, title: str) -> None:
    """Open a page from the menu and wait until it is drawn."""
    address = Path(next(spec.path for spec in PAGES if spec.title == title)).stem
    page.locator(f'[data-testid="stSidebarNavLink"][href$="/{address}"]').click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)


def shoot(page, folder: Path, name: str, *, heading: str | None = None) -> None:
    """Save the visible window as NAME.png, scrolled so that `heading` (if given) is at the top."""
    if heading is not None:
        target = page.get_by_role("heading", name=heading, exact=True).first
        target.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(400)
    # 256 colours make the committed PNGs a third of the size; octree keeps the charts' colours (median cut
    # turned the red anomaly points orange).
    window = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    window.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(folder / f"{name}.png", optimize=True)


def signed_in(page, base_url: str, username: str) -> None:
    sign_in(page, base_url, username, PASSWORDS[username])
    settle(page)


def test_product_manager_pages(guide_server, screen, shots_dir):
    signed_in(screen, guide_server.url, "pm")
    shoot(screen, shots_dir, "pm-overview")
    open_page(screen, "Engagement")
    shoot(screen, shots_dir, "pm-retention", heading="Retention")
    shoot(screen, shots_dir, "pm-lifecycle", heading="Lifecycle")
    shoot(screen, shots_dir, "pm-stickiness", heading="Stickiness")
    open_page(screen, "Behaviour")
    shoot(screen, shots_dir, "pm-activity-heatmap", heading="When people are active")
    open_page(screen, "Performance")
    shoot(screen, shots_dir, "pm-performance")
    open_page(screen, "Funnels")
    screen.get_by_role("button", name="Remove upgrade").click()  # few demo users upgrade within 14 days
    settle(screen)
    shoot(screen, shots_dir, "pm-funnel")
    open_page(screen, "Paths")
    shoot(screen, shots_dir, "pm-paths")
    # The whole history, so that the February traffic spike shows as an anomaly.
    screen.goto(f"{guide_server.url}/forecasts?start=2024-11-03&end={SEEDED_END}&grain=day")
    screen.get_by_role("heading", name="Forecasts & trends").wait_for(timeout=TIMEOUT_MS)
    settle(screen)
    shoot(screen, shots_dir, "pm-forecast")
    shoot(screen, shots_dir, "pm-forecast-quality", heading="Trend and model quality")
    open_page(screen, "Alerts")
    shoot(screen, shots_dir, "pm-alerts")
    open_page(screen, "Predictions")
    shoot(screen, shots_dir, "pm-predictions")
    shoot(screen, shots_dir, "pm-churn-risk", heading="Churn risk")
    shoot(screen, shots_dir, "pm-reliability", heading="Model quality")
    open_page(screen, "User explorer")
    screen.get_by_role("textbox", name="Find a user").fill("u0")
    screen.get_by_role("textbox", name="Find a user").press("Enter")
    screen.locator('[data-testid="stSelectbox"]', has_text="Matching users").click()
    screen.get_by_role("option").first.click()
    screen.get_by_role("heading", name="Timeline").wait_for(timeout=TIMEOUT_MS)
    settle(screen)
    shoot(screen, shots_dir, "pm-user-explorer")


def test_analyst_pages(guide_server, screen, shots_dir):
    signed_in(screen, guide_server.url, "analyst")
    open_page(screen, "Export")
    shoot(screen, shots_dir, "analyst-export")
    screen.goto(f"{guide_server.url}/insights?start=2024-11-03&end={SEEDED_END}")
    screen.get_by_role("heading", name="Insights").wait_for(timeout=TIMEOUT_MS)
    settle(screen)
    shoot(screen, shots_dir, "analyst-insights")


def test_admin_pages(guide_server, screen, shots_dir):
    signed_in(screen, guide_server.url, "admin")
    open_page(screen, "Accounts")
    shoot(screen, shots_dir, "admin-accounts")
    open_page(screen, "Audit log")
    shoot(screen, shots_dir, "admin-audit-log")
    open_page(screen, "Pulse usage")
    shoot(screen, shots_dir, "admin-pulse-usage")
    shoot(screen, shots_dir, "admin-pulse-usage-pages", heading="Dashboard usage")
    shoot(screen, shots_dir, "admin-pulse-usage-outcomes", heading="Recommendations")


def test_member_page(guide_server, screen, shots_dir):
    signed_in(screen, guide_server.url, "member")
    screen.get_by_role("heading", name="My insights").wait_for(timeout=TIMEOUT_MS)
    shoot(screen, shots_dir, "member-my-insights")
