"""Who is viewing: sign-in with streamlit-authenticator's form and cookie, checked by Pulse on every run.

streamlit-authenticator draws the form and signs, reads and deletes the cookie; Pulse checks the
password, lockout and session itself (docs/adr/0004-login.md), so the widget's own credential store
stays empty.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
import streamlit_authenticator as stauth

from analytics.auth import demo, sessions
from analytics.auth.login import authenticate
from analytics.auth.passwords import BCRYPT_ROUNDS, dummy_hash
from analytics.db import Database, open_database
from analytics.errors import AnalyticsError, AuthenticationError
from analytics.viewer import Viewer
from config.settings import Settings, load_settings
from ui.lifespan import cookie_key
from ui.navigation import PAGES
from ui.state import database

VIEWER_KEY = "viewer"
SESSION_KEY = "pulse_session_id"
FAILURE_KEY = "pulse_login_failure"
ENDED_KEY = "pulse_session_ended"
LOGOUT_KEY = "pulse_logout_requested"
COOKIE_NAME = "pulse_login"
LIBRARY_KEYS = ("name", "username", "authentication_status", "email", "roles")
"""Session-state keys streamlit-authenticator reads; Pulse sets them so its form and cookie behave."""


def request_source() -> str:
    """Where a UI action comes from, for the audit log: the client's IP if Streamlit knows it, else 'ui'."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "ui"


@st.cache_resource(show_spinner=False)
def _prepare(path: str, demo_mode: bool) -> None:
    """Once per process and database: demo accounts, and the dummy hash unknown names are checked against."""
    demo.ensure_demo_accounts(open_database(path), demo_mode=demo_mode)
    dummy_hash(BCRYPT_ROUNDS)


class _PulseCheck:
    """Takes the place of streamlit-authenticator's credential check: its login form calls this object."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.signed_in_by_form: str | None = None

    def login(
        self,
        username: str | None = None,
        password: str | None = None,
        *_widget_options: Any,
        token: dict[str, Any] | None = None,
        **_widget_keywords: Any,
    ) -> None:
        """Accept a valid cookie or password; returns None so the widget never sets the cookie itself."""
        if token:
            self._accept_cookie(token)
        elif username and password:
            self._check_password(username, password)
        else:
            st.session_state[FAILURE_KEY] = "Enter your username and password."

    def _accept_cookie(self, token: dict[str, Any]) -> None:
        username, expiry_stamp = token.get("username"), token.get("exp_date")
        if not isinstance(username, str) or not isinstance(expiry_stamp, int | float):
            return
        session_id = sessions.session_id_for(username, expiry_stamp)
        if sessions.session_viewer(self.db, session_id) is not None:
            _mark_signed_in(username, session_id)

    def _check_password(self, username: str, password: str) -> None:
        settings = self.settings
        demo.ensure_demo_accounts(self.db, demo_mode=settings.demo_mode)
        try:
            account = authenticate(
                self.db,
                username,
                password,
                max_attempts=settings.login_max_attempts,
                lock_minutes=settings.login_lock_minutes,
                source=request_source(),
            )
        except AuthenticationError as exc:
            st.session_state[FAILURE_KEY] = str(exc)
            return
        self.signed_in_by_form = account.username
        st.session_state["username"] = account.username
        st.session_state["name"] = account.display_name

    def logout(self, callback: Any = None) -> None:
        """End the Pulse session (its cookie is refused from now on) and clear the widget's state."""
        session_id = st.session_state.get(SESSION_KEY)
        viewer = st.session_state.get(VIEWER_KEY)
        if session_id and viewer is not None:
            sessions.end(self.db, session_id, actor=viewer.account, source=request_source())
        _clear_signed_in()
        st.session_state["logout"] = True


def _authenticator(db: Database, settings: Settings, key: str) -> tuple[stauth.Authenticate, _PulseCheck]:
    authenticator = stauth.Authenticate(
        {"usernames": {}},
        cookie_name=COOKIE_NAME,
        cookie_key=key,
        cookie_expiry_days=settings.session_expiry_minutes / (24 * 60),
        auto_hash=False,
        login_sleep_time=0,
    )
    check = _PulseCheck(db, settings)
    authenticator.authentication_controller = check
    return authenticator, check


def _mark_signed_in(username: str, session_id: str) -> None:
    st.session_state[SESSION_KEY] = session_id
    st.session_state["username"] = username
    st.session_state["authentication_status"] = True


def _clear_signed_in() -> None:
    for key in LIBRARY_KEYS:
        st.session_state[key] = None
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(VIEWER_KEY, None)


def _session_viewer(db: Database) -> Viewer | None:
    """The viewer of this browser session, re-checked against the database on every run."""
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is None:
        return None
    viewer = sessions.session_viewer(db, session_id)
    if viewer is None:
        _clear_signed_in()
        st.session_state[ENDED_KEY] = True
    return viewer


def _sign_in_form(authenticator: stauth.Authenticate, check: _PulseCheck, settings: Settings) -> None:
    st.title("Pulse")
    if st.session_state.pop(ENDED_KEY, False):
        st.info("Your session ended (signed out elsewhere, expired, or the account changed). Sign in again.")
    authenticator.login(
        location="main",
        key="sign-in",
        fields={"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"},
    )
    failure = st.session_state.pop(FAILURE_KEY, None)
    if failure and not check.signed_in_by_form:
        st.error(failure)
    if settings.demo_mode:
        st.caption(
            "Demo mode: sign in as admin, analyst, pm or member; the passwords are in README.md "
            "(docs/security.md)."
        )


def login_gate() -> Viewer:
    """The signed-in viewer; without one, show only the sign-in form and stop the run."""
    settings = load_settings()
    try:
        key = cookie_key(settings)
    except AnalyticsError as exc:
        st.error(str(exc))
        st.stop()
    db = database()
    _prepare(str(db.path), settings.demo_mode)
    authenticator, check = _authenticator(db, settings, key)
    if st.session_state.pop(LOGOUT_KEY, False) and st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    # Two slots at fixed places, filled only while signing in, so the page below never moves between
    # runs (a moved element is briefly shown twice while Streamlit reruns).
    form_slot, cookie_slot = st.empty(), st.empty()
    viewer = _session_viewer(db)
    if viewer is None:
        with form_slot.container():
            _sign_in_form(authenticator, check, settings)
        if check.signed_in_by_form:
            with cookie_slot.container():
                authenticator.cookie_controller.set_cookie()
            session_id = sessions.start(
                db,
                check.signed_in_by_form,
                cookie_expiry_stamp=authenticator.cookie_controller.cookie_model.exp_date,
                expiry_minutes=settings.session_expiry_minutes,
                source=request_source(),
            )
            _mark_signed_in(check.signed_in_by_form, session_id)
        viewer = _session_viewer(db)
        if viewer is None:
            _signed_out_navigation()
            st.stop()
        form_slot.empty()
    st.session_state[VIEWER_KEY] = viewer
    _account_menu(viewer)
    return viewer


def _signed_out() -> None:
    """The only page of a signed-out visitor; the form itself is drawn by login_gate."""


def _signed_out_navigation() -> None:
    """Only the sign-in page, also under each page's address: a link to a page shows the form (and
    that page once signed in, if allowed) instead of Streamlit's 'page not found'."""
    addresses = [st.Page(spec.path).url_path for spec in PAGES]
    pages = [st.Page(_signed_out, title="Sign in", url_path=address) for address in addresses]
    st.navigation(
        [st.Page(_signed_out, title="Sign in", url_path="sign-in", default=True), *pages], position="hidden"
    )


def _account_menu(viewer: Viewer) -> None:
    bar = st.sidebar
    bar.caption(f"Signed in as `{viewer.account}` ({viewer.role.replace('_', ' ')})")
    bar.button("Log out", key="pulse-logout", on_click=lambda: st.session_state.update({LOGOUT_KEY: True}))


def current_viewer() -> Viewer:
    """The viewer set by login_gate, its session re-checked (pages call this).

    Streamlit runs a page file without app.py in the first run of a process (its pages/ folder
    mode), so a page must not trust an earlier run: without a viewer, with a pending logout or with
    an ended session it runs login_gate, which shows the sign-in form and stops.
    """
    session_id = st.session_state.get(SESSION_KEY)
    if VIEWER_KEY not in st.session_state or st.session_state.get(LOGOUT_KEY):
        return login_gate()
    if session_id is not None:
        viewer = sessions.session_viewer(database(), session_id)
        if viewer is None:
            return login_gate()
        st.session_state[VIEWER_KEY] = viewer
    return st.session_state[VIEWER_KEY]


def current_session_id() -> str | None:
    """The id of this browser session's sign-in (kept open when the viewer changes their password)."""
    return st.session_state.get(SESSION_KEY)
