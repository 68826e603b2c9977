"""Login accounts: create, list and change them; every change is audited in the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime

import duckdb
import pandas as pd

from analytics import audit
from analytics.auth import sessions, tokens
from analytics.auth.clock import utc_now
from analytics.auth.passwords import check_password_policy, hash_password, verify_password
from analytics.db import Database
from analytics.errors import AuthenticationError, NotFoundError, ValidationError
from analytics.viewer import Viewer
from config.permissions import LOGIN_ROLES, Permission

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")


@dataclass(frozen=True)
class Account:
    """One row of `accounts`, without the password hash."""

    username: str
    display_name: str
    role: str
    user_id: str | None
    enabled: bool
    demo: bool
    failed_logins: int
    locked_until: datetime | None
    password_changed_at: datetime
    last_login_at: datetime | None
    created_at: datetime


ACCOUNT_COLUMNS = tuple(f.name for f in fields(Account))
_SELECT = f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM accounts"


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and compared lower-case, without surrounding spaces."""
    return username.strip().lower()


def get_account(db: Database | duckdb.DuckDBPyConnection, username: str) -> Account | None:
    """The account named `username`, or None."""
    cursor = db.cursor() if isinstance(db, Database) else db  # a transaction's cursor is used as is
    found = cursor.execute(f"{_SELECT} WHERE username = ?", [normalise_username(username)]).fetchall()
    return Account(*found[0]) if found else None


def require_account(db: Database | duckdb.DuckDBPyConnection, username: str) -> Account:
    """The account named `username`; NotFoundError names the input if there is none."""
    account = get_account(db, username)
    if account is None:
        raise NotFoundError(f"There is no account named {normalise_username(username)!r}.")
    return account


def list_accounts(db: Database, viewer: Viewer) -> pd.DataFrame:
    """Every account, by username (MANAGE_ACCOUNTS). Columns: ACCOUNT_COLUMNS plus `locked`."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    frame = db.query(f"{_SELECT} ORDER BY username")
    frame["locked"] = frame["locked_until"].notna() & (frame["locked_until"] > utc_now())
    return frame


def create_account(
    db: Database,
    viewer: Viewer,
    username: str,
    *,
    password: str,
    role: str,
    display_name: str | None = None,
    user_id: str | None = None,
    demo: bool = False,
    source: str | None = None,
) -> Account:
    """Create an account (MANAGE_ACCOUNTS); members need a `user_id` that exists in users."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise ValidationError(
            f"The username must be 2-64 characters: lower-case letters, digits, '_', '.', '@' or '-', "
            f"starting with a letter or digit. Got {username!r}.",
            [{"field": "username", "reason": "invalid characters or length"}],
        )
    check_password_policy(password, username=name)
    password_hash = hash_password(password)
    with db.transaction() as cursor:
        if get_account(cursor, name) is not None:
            raise ValidationError(
                f"An account named {name!r} already exists; choose another username.",
                [{"field": "username", "reason": "taken"}],
            )
        _check_role_and_user(cursor, role, user_id)
        now = utc_now()
        cursor.execute(
            "INSERT INTO accounts (username, display_name, role, user_id, password_hash, demo, "
            "password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [name, display_name or name, role, user_id, password_hash, demo, now, now],
        )
        audit.record(
            cursor,
            viewer.account,
            "account_created",
            target=name,
            detail={"role": role, "user_id": user_id, "demo": demo},
            source=source,
        )
        return require_account(cursor, name)


def set_role(
    db: Database,
    viewer: Viewer,
    username: str,
    role: str,
    *,
    user_id: str | None = None,
    source: str | None = None,
) -> Account:
    """Give an account another role (MANAGE_ACCOUNTS); a member keeps or gets a linked user_id."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    with db.transaction() as cursor:
        account = require_account(cursor, username)
        linked = user_id if user_id is not None else account.user_id
        _check_role_and_user(cursor, role, linked)
        cursor.execute(
            "UPDATE accounts SET role = ?, user_id = ? WHERE username = ?", [role, linked, account.username]
        )
        audit.record(
            cursor,
            viewer.account,
            "account_role_set",
            target=account.username,
            detail={"from": account.role, "to": role, "user_id": linked},
            source=source,
        )
    tokens.forget_cached(db, account.username)
    return require_account(db, account.username)


def link_user(
    db: Database, viewer: Viewer, username: str, user_id: str, *, source: str | None = None
) -> Account:
    """Link an account to a row of users, whose data a member may then see (MANAGE_ACCOUNTS)."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    with db.transaction() as cursor:
        account = require_account(cursor, username)
        _check_role_and_user(cursor, account.role, user_id)
        cursor.execute("UPDATE accounts SET user_id = ? WHERE username = ?", [user_id, account.username])
        audit.record(
            cursor,
            viewer.account,
            "account_linked",
            target=account.username,
            detail={"from": account.user_id, "to": user_id},
            source=source,
        )
    tokens.forget_cached(db, account.username)
    return require_account(db, account.username)


def set_enabled(
    db: Database, viewer: Viewer, username: str, enabled: bool, *, source: str | None = None
) -> Account:
    """Enable or disable an account (MANAGE_ACCOUNTS); disabling ends its sessions and stops its tokens."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    with db.transaction() as cursor:
        account = require_account(cursor, username)
        if not enabled and account.username == viewer.account:
            raise ValidationError(
                "You cannot disable your own account; ask another administrator.",
                [{"field": "username", "reason": "own account"}],
            )
        cursor.execute("UPDATE accounts SET enabled = ? WHERE username = ?", [enabled, account.username])
        if not enabled:
            sessions.end_all(cursor, account.username, reason="disabled")
        action = "account_enabled" if enabled else "account_disabled"
        audit.record(cursor, viewer.account, action, target=account.username, source=source)
    tokens.forget_cached(db, account.username)
    return require_account(db, account.username)


def reset_password(
    db: Database, viewer: Viewer, username: str, new_password: str, *, source: str | None = None
) -> Account:
    """Set a new password for someone (MANAGE_ACCOUNTS); ends their sessions and clears a lock."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    account = require_account(db, username)
    check_password_policy(new_password, username=account.username)
    password_hash = hash_password(new_password)
    with db.transaction() as cursor:
        _store_password(cursor, account.username, password_hash)
        sessions.end_all(cursor, account.username, reason="password_reset")
        audit.record(cursor, viewer.account, "password_reset", target=account.username, source=source)
    return require_account(db, account.username)


def change_password(
    db: Database,
    viewer: Viewer,
    current_password: str,
    new_password: str,
    *,
    keep_session_id: str | None = None,
    source: str | None = None,
) -> None:
    """Change the viewer's own password; their other sessions end, `keep_session_id` stays signed in."""
    row = db.rows("SELECT password_hash FROM accounts WHERE username = ?", [viewer.account])
    if not verify_password(current_password, row[0][0] if row else None):
        raise AuthenticationError("The current password is wrong; the password was not changed.")
    check_password_policy(new_password, username=viewer.account)
    password_hash = hash_password(new_password)
    with db.transaction() as cursor:
        _store_password(cursor, viewer.account, password_hash)
        sessions.end_all(cursor, viewer.account, reason="password_changed", keep=keep_session_id)
        audit.record(cursor, viewer.account, "password_changed", target=viewer.account, source=source)


def unlock(db: Database, viewer: Viewer, username: str, *, source: str | None = None) -> Account:
    """Lift a sign-in lock and forget failed attempts (MANAGE_ACCOUNTS)."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    with db.transaction() as cursor:
        account = require_account(cursor, username)
        cursor.execute(
            "UPDATE accounts SET locked_until = NULL, failed_logins = 0 WHERE username = ?",
            [account.username],
        )
        audit.record(cursor, viewer.account, "account_unlocked", target=account.username, source=source)
    return require_account(db, account.username)


def _store_password(cursor: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    cursor.execute(
        "UPDATE accounts SET password_hash = ?, password_changed_at = ?, failed_logins = 0, "
        "locked_until = NULL WHERE username = ?",
        [password_hash, utc_now(), username],
    )


def _check_role_and_user(cursor: duckdb.DuckDBPyConnection, role: str, user_id: str | None) -> None:
    if role not in LOGIN_ROLES:
        raise ValidationError(
            f"The role must be one of {list(LOGIN_ROLES)}. Got {role!r} "
            "('tracker' is only for tracking tokens).",
            [{"field": "role", "reason": "unknown"}],
        )
    if user_id is None:
        if role == "member":
            raise ValidationError(
                "A member account must be linked to a user_id from the users table; give one.",
                [{"field": "user_id", "reason": "missing"}],
            )
        return
    if not cursor.execute("SELECT count(*) FROM users WHERE user_id = ?", [user_id]).fetchall()[0][0]:
        raise NotFoundError(f"There is no user {user_id!r} in the users table to link the account to.")
