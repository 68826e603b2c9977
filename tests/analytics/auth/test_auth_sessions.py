"""Sign-in sessions: open until logout or expiry, and only for accounts that may still sign in."""

from __future__ import annotations

from datetime import datetime, timedelta

from analytics.audit import read_log
from analytics.auth import sessions
from analytics.viewer import SYSTEM

T0 = datetime(2025, 6, 1, 12, 0)


def test_session_id_depends_on_user_and_cookie_stamp():
    first = sessions.session_id_for("pm", 1_750_000_000.123456)
    assert first == sessions.session_id_for("pm", 1_750_000_000.123456)
    assert first != sessions.session_id_for("pm", 1_750_000_000.123457)
    assert first != sessions.session_id_for("admin", 1_750_000_000.123456)


def test_session_expires(auth_db):
    session_id = sessions.start(auth_db, "pm", cookie_expiry_stamp=5.0, expiry_minutes=30, now=T0)
    assert (
        sessions.session_viewer(auth_db, session_id, now=T0 + timedelta(minutes=29)).role == "product_manager"
    )
    assert sessions.session_viewer(auth_db, session_id, now=T0 + timedelta(minutes=30)) is None


def test_logout_ends_the_session_and_is_audited(auth_db):
    session_id = sessions.start(auth_db, "member", cookie_expiry_stamp=5.0, expiry_minutes=30)
    assert sessions.session_viewer(auth_db, session_id).user_id == "u1"
    sessions.end(auth_db, session_id, actor="member", source="ui")
    assert sessions.session_viewer(auth_db, session_id) is None
    assert read_log(auth_db, SYSTEM, action="logout")["actor"].tolist() == ["member"]


def test_unknown_session_and_unlinked_member_are_refused(auth_db):
    assert sessions.session_viewer(auth_db, "0" * 64) is None
    session_id = sessions.start(auth_db, "member", cookie_expiry_stamp=5.0, expiry_minutes=30)
    with auth_db.transaction() as cursor:  # what erasing the member's user does to the account
        cursor.execute("UPDATE accounts SET user_id = NULL WHERE username = 'member'")
    assert sessions.session_viewer(auth_db, session_id) is None


def test_old_rows_are_cleaned_at_the_next_sign_in(auth_db):
    sessions.start(auth_db, "pm", cookie_expiry_stamp=1.0, expiry_minutes=30, now=T0)
    sessions.start(auth_db, "pm", cookie_expiry_stamp=2.0, expiry_minutes=30, now=T0 + timedelta(days=8))
    assert auth_db.scalar("SELECT count(*) FROM login_sessions") == 1
