"""Sign-in through app.py: wrong passwords, the login cookie (forged, logged out, disabled), the key check."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
from streamlit.testing.v1 import AppTest

from analytics.audit import read_log
from analytics.auth import accounts
from analytics.auth.cookie_key import EXAMPLE_COOKIE_KEY
from analytics.viewer import SYSTEM
from tests.pages.signin import APP, sign_in, with_cookies
from ui.auth import COOKIE_NAME

PM_PASSWORD = "pulse-pm-demo"


@pytest.fixture
def issued_cookies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every login cookie value streamlit-authenticator signs during the test."""
    issued: list[str] = []
    encode = jwt.encode

    def recording_encode(*args, **kwargs):
        issued.append(encode(*args, **kwargs))
        return issued[-1]

    monkeypatch.setattr(jwt, "encode", recording_encode)
    return issued


def fresh_session() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def test_wrong_password_shows_one_message_and_no_pages(seeded_app_env):
    app = sign_in("pm", "not the password")
    assert "Sign-in failed" in app.error[0].value
    assert "viewer" not in app.session_state
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/overview.py")
    failed = read_log(seeded_app_env, SYSTEM, action="login_failed")
    assert failed[["actor", "source"]].values.tolist() == [["pm", "ui"]]


def test_cookie_signs_in_a_new_session_until_logout(seeded_app_env, issued_cookies, monkeypatch):
    first = sign_in("pm", PM_PASSWORD)
    assert first.title[0].value == "Overview"
    with_cookies(monkeypatch, {COOKIE_NAME: issued_cookies[-1]})
    second = fresh_session()
    assert second.session_state["viewer"].account == "pm"
    assert [t.label for t in second.text_input] != ["Username", "Password"]

    second.sidebar.button(key="pulse-logout").click().run()
    assert [t.label for t in second.text_input] == ["Username", "Password"]
    assert "viewer" not in second.session_state
    assert read_log(seeded_app_env, SYSTEM, action="logout")["actor"].tolist() == ["pm"]
    third = fresh_session()  # the same cookie, presented again after logout
    assert "viewer" not in third.session_state
    first.run()  # the other tab of that sign-in is signed out too
    assert "viewer" not in first.session_state


@pytest.mark.parametrize(
    ("key", "payload"),
    [
        ("a-different-key-of-sufficient-length-123", {"username": "admin"}),
        (EXAMPLE_COOKIE_KEY, {"username": "admin"}),
    ],
    ids=["wrong key", "right key but no such session"],
)
def test_forged_cookies_are_refused(seeded_app_env, monkeypatch, key, payload):
    token = jwt.encode({**payload, "exp_date": time.time() + 3600}, key, algorithm="HS256")
    with_cookies(monkeypatch, {COOKIE_NAME: token})
    app = fresh_session()
    assert "viewer" not in app.session_state
    assert [t.label for t in app.text_input] == ["Username", "Password"]


def test_disabled_account_with_a_valid_cookie_is_refused(seeded_app_env, issued_cookies, monkeypatch):
    open_tab = sign_in("analyst", "pulse-analyst-demo")
    accounts.set_enabled(seeded_app_env, SYSTEM, "analyst", False)
    open_tab.run()
    assert "viewer" not in open_tab.session_state
    assert "Your session ended" in open_tab.info[0].value
    with_cookies(monkeypatch, {COOKIE_NAME: issued_cookies[-1]})
    assert "viewer" not in fresh_session().session_state


def test_weak_cookie_key_is_refused_outside_demo_mode(seeded_app_env, monkeypatch):
    monkeypatch.setenv("PULSE_DEMO_MODE", "false")
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = {"cookie_key": EXAMPLE_COOKIE_KEY}
    app.run()
    assert "is the example's" in app.error[0].value
    assert not app.text_input


class FakeSecrets(dict):
    """Stands in for st.secrets (a mapping of sections)."""


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        (FakeSecrets(), "No login cookie key is set"),
        (FakeSecrets(auth={"cookie_key": "too-short"}), "at least 32 characters; got 9"),
    ],
)
def test_server_refuses_to_start_with_a_weak_key_outside_demo_mode(
    tmp_path, monkeypatch, capsys, secrets, message
):
    from ui import lifespan as startup

    monkeypatch.setenv("PULSE_DEMO_MODE", "false")
    monkeypatch.setenv("PULSE_BACKEND_URL", f"duckdb://{tmp_path / 'start.duckdb'}")
    monkeypatch.setattr(startup.st, "secrets", secrets)

    async def start() -> None:
        async with startup.lifespan(None):
            pass

    # A thread of its own: Playwright's sync API may own this thread's event loop when browser tests ran first.
    with ThreadPoolExecutor(max_workers=1) as runner, pytest.raises(SystemExit) as stopped:
        runner.submit(asyncio.run, start()).result()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Pulse cannot start:") and message in err
