"""Steps the browser tests share: sign in, wait for the app to settle, open a page from the menu."""

from __future__ import annotations

TIMEOUT_MS = 60_000
HEADING_WAIT_MS = 20_000
MENU_ATTEMPTS = 3


def wait_until_idle(page) -> None:
    """Wait until no script run is in progress (Streamlit marks its root with the run state)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=TIMEOUT_MS)


def sign_in(page, base_url: str, username: str, password: str) -> None:
    """Open Pulse, sign in through the form and wait for the first page to finish drawing."""
    page.goto(base_url, wait_until="domcontentloaded")
    page.get_by_role("textbox", name="Username").wait_for(timeout=TIMEOUT_MS)
    # the cookie component's first answer reruns the app; a form sent before that (in 0 ms) is lost
    page.wait_for_load_state("networkidle")
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {username}").wait_for(timeout=TIMEOUT_MS)
    wait_until_idle(page)


def open_page(page, title: str, heading: str | None = None) -> None:
    """Click a menu entry and wait for the page's heading.

    The login cookie component answers with a rerun of the page that was current when it was drawn; a menu
    click that lands just before that answer is overtaken by it, as a person's click would be. A person
    clicks again, and so does this step.
    """
    link = page.locator('[data-testid="stSidebarNavLink"]', has_text=title)
    shown = page.get_by_role("heading", name=heading or title)
    for _ in range(MENU_ATTEMPTS - 1):
        wait_until_idle(page)
        link.click()
        try:
            shown.wait_for(timeout=HEADING_WAIT_MS)
            return
        except Exception:  # playwright's TimeoutError: the click was overtaken, click again
            continue
    wait_until_idle(page)
    link.click()
    shown.wait_for(timeout=TIMEOUT_MS)
