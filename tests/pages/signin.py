"""Driving the app's sign-in form under AppTest, and handing it a login cookie."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.context import ContextProxy, StreamlitCookies
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def sign_in(username: str, password: str) -> AppTest:
    """A fresh session of app.py, signed in through the form (as a person would)."""
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, app.exception
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def with_cookies(monkeypatch: pytest.MonkeyPatch, cookies: dict[str, str]) -> None:
    """Make st.context.cookies return `cookies`, as the browser's request would."""
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda _self: StreamlitCookies(cookies)))
