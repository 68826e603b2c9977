"""Sign-in sessions: a login cookie is honoured only while its session row is open and unexpired.

streamlit-authenticator's cookie is a signed JWT holding the username and an expiry stamp; signing
alone cannot be revoked. Pulse records each sign-in under an id derived from that pair and checks the
row on every run, so logout, disabling and password changes end sessions at once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import duckdb

from analytics import audit
from analytics.auth.clock import utc_now
from analytics.db import Database
from analytics.viewer import Viewer
from config.permissions import LOGIN_ROLES

EXPIRED_KEPT_DAYS = 7
"""Ended or expired session rows older than this are deleted at the next sign-in (the audit log keeps them)."""


def session_id_for(username: str, cookie_expiry_stamp: float) -> str:
    """The session id of a login cookie: SHA-256 of its username and expiry stamp (unique per sign-in)."""
    return hashlib.sha256(f"{username}\n{cookie_expiry_stamp!r}".encode()).hexdigest()


def start(
    db: Database,
    username: str,
    *,
    cookie_expiry_stamp: float,
    expiry_minutes: int,
    source: str | None = None,
    now: datetime | None = None,
) -> str:
    """Record a sign-in that `expiry_minutes` from now needs a new password; return its session id."""
    now = now or utc_now()
    session_id = session_id_for(username, cookie_expiry_stamp)
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "DELETE FROM login_sessions WHERE coalesce(ended_at, expires_at) < ?",
            [now - timedelta(days=EXPIRED_KEPT_DAYS)],
        )
        cursor.execute(
            "INSERT INTO login_sessions (session_id, username, issued_at, expires_at, source) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [session_id, username, now, now + timedelta(minutes=expiry_minutes), source],
        )
    return session_id


def session_viewer(db: Database, session_id: str, *, now: datetime | None = None) -> Viewer | None:
    """The viewer of an open session whose account still exists and may sign in; None otherwise.

    Checked on every run of the app, so a role change applies at once and a disabled account, an
    unlinked member or an ended session is signed out at its next click.
    """
    found = db.rows(
        """SELECT a.username, a.role, a.user_id
           FROM login_sessions s JOIN accounts a USING (username)
           WHERE s.session_id = ? AND s.ended_at IS NULL AND s.expires_at > ? AND a.enabled""",
        [session_id, now or utc_now()],
    )
    if not found:
        return None
    username, role, user_id = found[0]
    if role not in LOGIN_ROLES or (role == "member" and user_id is None):
        return None
    return Viewer.for_role(username, role, user_id)


def end(db: Database, session_id: str, *, actor: str, source: str | None = None) -> None:
    """Log out: close the session so its cookie is refused from now on, and audit it."""
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "UPDATE login_sessions SET ended_at = ?, end_reason = 'logout' "
            "WHERE session_id = ? AND ended_at IS NULL",
            [utc_now(), session_id],
        )
        audit.record(cursor, actor, "logout", target=actor, source=source)


def end_all(cursor: duckdb.DuckDBPyConnection, username: str, *, reason: str, keep: str | None = None) -> int:
    """Close every open session of `username` but `keep`, inside the caller's transaction; return how many."""
    closed = cursor.execute(
        "UPDATE login_sessions SET ended_at = ?, end_reason = ? "
        "WHERE username = ? AND ended_at IS NULL AND session_id IS DISTINCT FROM ?",
        [utc_now(), reason, username, keep],
    ).fetchall()
    return closed[0][0] if closed else 0
