"""Checking a username and password: lockout, equal timing for every outcome, and an audit record."""

from __future__ import annotations

from datetime import datetime

from analytics import audit
from analytics.auth import lockout
from analytics.auth.accounts import Account, normalise_username, require_account
from analytics.auth.clock import utc_now
from analytics.auth.passwords import verify_password
from analytics.db import Database
from analytics.errors import AuthenticationError
from config.permissions import LOGIN_ROLES

MAX_LOGGED_NAME_CHARS = 64


def failure_message(max_attempts: int, lock_minutes: int) -> str:
    """What a failed sign-in shows: the same text for every cause, so it reveals no account names."""
    return (
        "Sign-in failed: the username or password is wrong, or the account is locked or disabled. "
        f"After {max_attempts} failed attempts in a row an account is locked for {lock_minutes} minutes; "
        "an administrator can unlock it sooner."
    )


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    max_attempts: int,
    lock_minutes: int,
    source: str | None = None,
    now: datetime | None = None,
) -> Account:
    """The account if `password` is right and the account may sign in; AuthenticationError otherwise.

    Exactly one bcrypt check runs whatever the outcome (against a dummy hash for unknown, disabled or
    locked accounts), so response times do not reveal which usernames exist. Failures on an existing
    account count towards its lock; every attempt is audited with the real reason.
    """
    now = now or utc_now()
    name = normalise_username(username)[:MAX_LOGGED_NAME_CHARS]
    found = db.rows(
        "SELECT password_hash, enabled, locked_until, role, user_id FROM accounts WHERE username = ?", [name]
    )
    reason = None
    password_hash = None
    if not found:
        reason = "unknown_account"
    else:
        stored_hash, enabled, locked_until, role, user_id = found[0]
        if not enabled:
            reason = "disabled"
        elif lockout.is_locked(locked_until, now):
            reason = "locked"
        elif role not in LOGIN_ROLES or (role == "member" and user_id is None):
            reason = "not_allowed_to_sign_in"
        else:
            password_hash = stored_hash
    matches = verify_password(password, password_hash)
    if reason is None and not matches:
        reason = "wrong_password"
    with db.transaction(data_changed=False) as cursor:
        if reason is None:
            lockout.record_success(cursor, name, now=now)
            audit.record(cursor, name, "login_succeeded", target=name, source=source)
        else:
            locked_until = None
            if reason == "wrong_password":
                locked_until = lockout.record_failure(
                    cursor, name, max_attempts=max_attempts, lock_minutes=lock_minutes, now=now
                )
            audit.record(cursor, name, "login_failed", target=name, detail={"reason": reason}, source=source)
            if locked_until is not None:
                audit.record(
                    cursor,
                    "system",
                    "account_locked",
                    target=name,
                    detail={"locked_until": locked_until, "failed_attempts": max_attempts},
                    source=source,
                )
    if reason is not None:
        raise AuthenticationError(failure_message(max_attempts, lock_minutes))
    return require_account(db, name)
