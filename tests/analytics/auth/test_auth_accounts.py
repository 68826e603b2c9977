"""Account administration: validation, permissions, and effects on sessions and tokens; all audited."""

from __future__ import annotations

import pytest

from analytics.audit import read_log
from analytics.auth import accounts, sessions, tokens
from analytics.errors import AuthenticationError, NotFoundError, PermissionDenied, ValidationError
from analytics.viewer import SYSTEM, Viewer
from tests.analytics.auth.conftest import PASSWORD

ADMIN = Viewer.for_role("admin", "admin")


def open_session(db, username, stamp=1.0):
    return sessions.start(db, username, cookie_expiry_stamp=stamp, expiry_minutes=60)


@pytest.mark.parametrize(
    ("username", "role", "user_id", "error", "message"),
    [
        ("x", "analyst", None, ValidationError, "username must be 2-64 characters"),
        ("has space", "analyst", None, ValidationError, "username must be"),
        ("pm", "analyst", None, ValidationError, "already exists"),
        ("newbie", "tracker", None, ValidationError, "'tracker' is only for tracking tokens"),
        ("newbie", "member", None, ValidationError, "must be linked to a user_id"),
        ("newbie", "member", "u9", NotFoundError, "no user 'u9' in the users table"),
    ],
)
def test_create_refuses_bad_input(auth_db, username, role, user_id, error, message):
    with pytest.raises(error, match=message):
        accounts.create_account(auth_db, ADMIN, username, password=PASSWORD, role=role, user_id=user_id)


def test_create_stores_a_hash_and_audits(auth_db):
    created = accounts.create_account(
        auth_db, ADMIN, "Newbie", password=PASSWORD, role="member", user_id="u2", source="ui"
    )
    assert (created.username, created.role, created.user_id, created.enabled) == (
        "newbie",
        "member",
        "u2",
        True,
    )
    stored = auth_db.scalar("SELECT password_hash FROM accounts WHERE username = 'newbie'")
    assert stored.startswith("$2b$") and PASSWORD not in stored
    record = read_log(auth_db, SYSTEM, action="account_created", limit_rows=1)
    assert record[["actor", "target", "source"]].values.tolist() == [["admin", "newbie", "ui"]]


@pytest.mark.parametrize("role", ["analyst", "product_manager", "member"])
def test_only_account_managers_administer(auth_db, role):
    viewer = Viewer.for_role("someone", role, "u1")
    with pytest.raises(PermissionDenied, match="MANAGE_ACCOUNTS"):
        accounts.create_account(auth_db, viewer, "newbie", password=PASSWORD, role="analyst")
    with pytest.raises(PermissionDenied, match="MANAGE_ACCOUNTS"):
        accounts.set_enabled(auth_db, viewer, "pm", False)
    with pytest.raises(PermissionDenied, match="MANAGE_ACCOUNTS"):
        accounts.list_accounts(auth_db, viewer)


def test_role_change_applies_to_open_sessions_at_once(auth_db):
    session_id = open_session(auth_db, "pm")
    accounts.set_role(auth_db, ADMIN, "pm", "member", user_id="u2")
    viewer = sessions.session_viewer(auth_db, session_id)
    assert (viewer.role, viewer.user_id) == ("member", "u2")
    with pytest.raises(ValidationError, match="must be linked"):
        accounts.set_role(auth_db, ADMIN, "analyst", "member")


def test_link_needs_an_existing_user(auth_db):
    assert accounts.link_user(auth_db, ADMIN, "member", "u2").user_id == "u2"
    with pytest.raises(NotFoundError, match="no user 'nope'"):
        accounts.link_user(auth_db, ADMIN, "member", "nope")
    with pytest.raises(NotFoundError, match="no account named 'ghost'"):
        accounts.link_user(auth_db, ADMIN, "ghost", "u1")


def test_disabling_ends_sessions_and_stops_tokens(auth_db):
    session_id = open_session(auth_db, "analyst")
    token = tokens.create_token(auth_db, Viewer.for_role("analyst", "analyst"), name="script", days=5)
    assert tokens.authenticate_token(auth_db, token.token).viewer.account == "analyst"
    accounts.set_enabled(auth_db, ADMIN, "analyst", False)
    assert sessions.session_viewer(auth_db, session_id) is None
    with pytest.raises(AuthenticationError, match="account that may not sign in"):
        tokens.authenticate_token(auth_db, token.token)
    accounts.set_enabled(auth_db, ADMIN, "analyst", True)
    assert sessions.session_viewer(auth_db, session_id) is None  # ended sessions stay ended
    assert tokens.authenticate_token(auth_db, token.token).viewer.account == "analyst"


def test_admins_cannot_disable_themselves(auth_db):
    with pytest.raises(ValidationError, match="cannot disable your own account"):
        accounts.set_enabled(auth_db, ADMIN, "admin", False)


def test_reset_password_ends_sessions(auth_db):
    session_id = open_session(auth_db, "pm")
    accounts.reset_password(auth_db, ADMIN, "pm", "a brand new password")
    assert sessions.session_viewer(auth_db, session_id) is None
    with pytest.raises(ValidationError, match="at least 12 characters"):
        accounts.reset_password(auth_db, ADMIN, "pm", "short")


def test_change_own_password_keeps_this_session_only(auth_db):
    here, elsewhere = open_session(auth_db, "pm", 1.0), open_session(auth_db, "pm", 2.0)
    pm = Viewer.for_role("pm", "product_manager")
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        accounts.change_password(auth_db, pm, "not my password", "a brand new password", keep_session_id=here)
    accounts.change_password(auth_db, pm, PASSWORD, "a brand new password", keep_session_id=here)
    assert sessions.session_viewer(auth_db, here).account == "pm"
    assert sessions.session_viewer(auth_db, elsewhere) is None
    assert read_log(auth_db, SYSTEM, action="password_changed")["actor"].tolist() == ["pm"]
