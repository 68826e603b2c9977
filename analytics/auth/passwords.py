"""Password hashing and checking with bcrypt, taking the same time whether or not the account exists."""

from __future__ import annotations

from functools import cache

import bcrypt

from analytics.errors import ValidationError

BCRYPT_ROUNDS = 12
"""bcrypt cost: about 0.3 s per check on one core here; tests lower it to stay fast."""

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_BYTES = 72
"""bcrypt reads at most 72 bytes (bcrypt 5 refuses longer input), so longer passwords are refused."""


def check_password_policy(password: str, *, username: str = "") -> None:
    """Raise ValidationError unless `password` is 12+ characters, at most 72 bytes and not the username."""
    problems = []
    if len(password) < MIN_PASSWORD_CHARS:
        problems.append(f"it must have at least {MIN_PASSWORD_CHARS} characters; got {len(password)}")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        problems.append(f"it must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")
    if username and password.strip().lower() == username.strip().lower():
        problems.append("it must differ from the username")
    if problems:
        raise ValidationError(
            "The new password is not accepted: " + "; ".join(problems) + ".",
            [{"field": "password", "reason": problem} for problem in problems],
        )


def hash_password(password: str, *, rounds: int | None = None) -> str:
    """The bcrypt hash of `password` (policy not checked here: see check_password_policy)."""
    salt = bcrypt.gensalt(rounds or BCRYPT_ROUNDS)
    return bcrypt.hashpw(password.encode(), salt).decode()


@cache
def dummy_hash(rounds: int) -> str:
    """A hash no password matches, at cost `rounds`, checked when there is no real hash to check."""
    return bcrypt.hashpw(b"pulse-dummy-password-for-equal-timing", bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, password_hash: str | None) -> bool:
    """True if `password` matches `password_hash`; with no hash, spend the same time and return False.

    Every sign-in attempt calls this exactly once, so unknown, disabled and locked accounts cannot be
    told apart from wrong passwords by timing.
    """
    encoded = password.encode()
    usable = password_hash is not None and len(encoded) <= MAX_PASSWORD_BYTES
    against = password_hash if usable else dummy_hash(BCRYPT_ROUNDS)
    try:
        matches = bcrypt.checkpw(encoded[:MAX_PASSWORD_BYTES], against.encode())
    except ValueError:  # a malformed stored hash: treat as no match, never as a crash of the login
        matches = False
    return usable and matches
