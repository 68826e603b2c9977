"""Locking an account after repeated failed sign-ins; kept in the accounts table so it survives restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """True while a lock set at some point is still in force."""
    return locked_until is not None and locked_until > now


def record_failure(
    cursor: duckdb.DuckDBPyConnection,
    username: str,
    *,
    max_attempts: int,
    lock_minutes: int,
    now: datetime,
) -> datetime | None:
    """Count one failed sign-in; at `max_attempts` in a row lock the account and return until when.

    The counter restarts at zero when the lock is set, so after it expires the account again gets
    `max_attempts` tries.
    """
    failed = cursor.execute(
        "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE username = ? RETURNING failed_logins",
        [username],
    ).fetchall()[0][0]
    if failed < max_attempts:
        return None
    locked_until = now + timedelta(minutes=lock_minutes)
    cursor.execute(
        "UPDATE accounts SET failed_logins = 0, locked_until = ? WHERE username = ?", [locked_until, username]
    )
    return locked_until


def record_success(cursor: duckdb.DuckDBPyConnection, username: str, *, now: datetime) -> None:
    """Forget earlier failures and note the sign-in time."""
    cursor.execute(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE username = ?",
        [now, username],
    )
