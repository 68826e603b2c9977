"""API tokens: created and shown once, stored as SHA-256 digests, checked on every request.

A personal token acts with its owner's current role; a tracking token (role `tracker`) may only track.
Verified tokens are cached in this process for a few seconds; revoking a token or changing its owner
drops the cache entry at once, and all writers live in this process (docs/adr/0001-one-process.md).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from analytics import audit
from analytics.auth.clock import utc_now
from analytics.db import Database
from analytics.errors import AuthenticationError, NotFoundError, ValidationError
from analytics.viewer import Viewer
from config.permissions import LOGIN_ROLES, Permission

TOKEN_PREFIX = "pulse_"
KINDS = ("personal", "tracking")
MAX_TOKEN_DAYS = 365
CACHE_SECONDS = 5.0
LAST_USED_EVERY = timedelta(minutes=1)
"""`last_used_at` is written at most this often per token: a write on every check queued API requests
behind the tracking writes (each cache expiry made every waiting request write it)."""
TOKEN_COLUMNS = (
    "token_id",
    "username",
    "kind",
    "name",
    "created_by",
    "created_at",
    "expires_at",
    "revoked_at",
    "revoked_by",
    "last_used_at",
    "active",
)


@dataclass(frozen=True)
class NewToken:
    """A token just created: `token` is the secret, shown once and never stored."""

    token_id: str
    token: str
    kind: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenIdentity:
    """Who a verified token acts as, and which token it is."""

    viewer: Viewer
    token_id: str
    kind: str
    name: str
    expires_at: datetime


_cache: dict[tuple[Path, str], tuple[float, TokenIdentity]] = {}
_cache_lock = threading.Lock()
_drops = 0
"""Counts cache drops; a verification that overlapped one is not cached (it may predate the change)."""


def digest(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex (the secret has 256 random bits, so no salt)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    db: Database,
    viewer: Viewer,
    *,
    name: str,
    days: int,
    kind: str = "personal",
    owner: str | None = None,
    source: str | None = None,
) -> NewToken:
    """Create a token for `owner` (default: the viewer) valid for `days`; return it once.

    Tokens for another account need MANAGE_ACCOUNTS; tracking tokens need TRACK_ANALYTICS.
    """
    owner = (owner or viewer.account).strip().lower()
    if owner != viewer.account:
        viewer.require(Permission.MANAGE_ACCOUNTS)
    if kind not in KINDS:
        raise ValidationError(f"The token kind must be one of {list(KINDS)}. Got {kind!r}.")
    if kind == "tracking":
        viewer.require(Permission.TRACK_ANALYTICS)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(f"A token must last 1 to {MAX_TOKEN_DAYS} days. Got {days}.")
    if not name.strip():
        raise ValidationError("Give the token a name that says where it is used, e.g. 'billing backend'.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = "tok_" + secrets.token_hex(6)
    now = utc_now()
    expires_at = now + timedelta(days=days)
    with db.transaction(data_changed=False) as cursor:
        enabled = cursor.execute("SELECT enabled FROM accounts WHERE username = ?", [owner]).fetchall()
        if not enabled or not enabled[0][0]:
            raise NotFoundError(f"There is no enabled account named {owner!r} to own the token.")
        cursor.execute(
            "INSERT INTO api_tokens (token_id, secret_sha256, username, kind, name, created_by, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [token_id, digest(token), owner, kind, name.strip(), viewer.account, now, expires_at],
        )
        audit.record(
            cursor,
            viewer.account,
            "token_created",
            target=owner,
            detail={"token_id": token_id, "kind": kind, "name": name.strip(), "days": days},
            source=source,
        )
    return NewToken(token_id=token_id, token=token, kind=kind, expires_at=expires_at)


def list_tokens(
    db: Database, viewer: Viewer, *, username: str | None = None, all_accounts: bool = False
) -> pd.DataFrame:
    """Tokens of `username` (default: the viewer), or of every account; others' need MANAGE_ACCOUNTS.

    Columns: TOKEN_COLUMNS, newest first; `active` is false once revoked or expired. No secrets.
    """
    owner = viewer.account if username is None else username
    if all_accounts or owner != viewer.account:
        viewer.require(Permission.MANAGE_ACCOUNTS)
    return db.query(
        f"""SELECT {", ".join(TOKEN_COLUMNS[:-1])}, revoked_at IS NULL AND expires_at > ? AS active
            FROM api_tokens WHERE ? OR username = ? ORDER BY created_at DESC""",
        [utc_now(), all_accounts, owner],
    )


def revoke_token(db: Database, viewer: Viewer, token_id: str, *, source: str | None = None) -> None:
    """Revoke a token at once; its owner may, and so may MANAGE_ACCOUNTS."""
    with db.transaction(data_changed=False) as cursor:
        found = cursor.execute(
            "SELECT username, revoked_at FROM api_tokens WHERE token_id = ?", [token_id]
        ).fetchall()
        if not found:
            raise NotFoundError(f"There is no token {token_id!r}.")
        owner, revoked_at = found[0]
        if owner != viewer.account:
            viewer.require(Permission.MANAGE_ACCOUNTS)
        if revoked_at is None:
            cursor.execute(
                "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE token_id = ?",
                [utc_now(), viewer.account, token_id],
            )
            audit.record(
                cursor,
                viewer.account,
                "token_revoked",
                target=owner,
                detail={"token_id": token_id},
                source=source,
            )
    _forget(db, lambda identity: identity.token_id == token_id)


def forget_cached(db: Database, username: str) -> None:
    """Drop cached verifications of `username`'s tokens (after the account changed)."""
    _forget(db, lambda identity: identity.viewer.account == username)


def authenticate_token(db: Database, token: str, *, now: datetime | None = None) -> TokenIdentity:
    """Who `token` acts as; AuthenticationError if it is unknown, revoked, expired or its owner may not sign in."""
    now = now or utc_now()
    key = (db.path, digest(token))
    identity = _cached(key)
    if identity is None:
        drops_before = _drops
        identity = _verify(db, key[1], now)
        with _cache_lock:
            if _drops == drops_before:
                _cache[key] = (time.monotonic(), identity)
    if identity.expires_at <= now:
        raise AuthenticationError(
            f"The API token {identity.token_id} expired at {identity.expires_at:%Y-%m-%d %H:%M} UTC."
        )
    return identity


def recently_verified(db: Database, token: str) -> TokenIdentity | None:
    """Who `token` acts as if it was verified within CACHE_SECONDS and has not expired, else None.

    Reads no table, so it may run on the event loop; on None, `authenticate_token` decides (and says why).
    """
    identity = _cached((db.path, digest(token)))
    return identity if identity is not None and identity.expires_at > utc_now() else None


def _cached(key: tuple[Path, str]) -> TokenIdentity | None:
    cached = _cache.get(key)
    return cached[1] if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS else None


def _verify(db: Database, secret_sha256: str, now: datetime) -> TokenIdentity:
    found = db.rows(
        """SELECT t.token_id, t.kind, t.name, t.expires_at, t.revoked_at, t.last_used_at, a.username, a.role,
                  a.user_id, a.enabled
           FROM api_tokens t JOIN accounts a USING (username) WHERE t.secret_sha256 = ?""",
        [secret_sha256],
    )
    if not found:
        raise AuthenticationError("The API token is not recognised. Create one on the My account page.")
    token_id, kind, name, expires_at, revoked_at, last_used_at, username, role, user_id, enabled = found[0]
    if revoked_at is not None:
        raise AuthenticationError(f"The API token {token_id} was revoked at {revoked_at:%Y-%m-%d %H:%M} UTC.")
    if not enabled or role not in LOGIN_ROLES or (role == "member" and user_id is None):
        raise AuthenticationError(f"The API token {token_id} belongs to an account that may not sign in.")
    if last_used_at is None or now - last_used_at >= LAST_USED_EVERY:
        with db.transaction(data_changed=False) as cursor:
            cursor.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_id = ?", [now, token_id])
    if kind == "tracking":
        viewer = Viewer.for_role(username, "tracker")
    else:
        viewer = Viewer.for_role(username, role, user_id)
    return TokenIdentity(viewer=viewer, token_id=token_id, kind=kind, name=name, expires_at=expires_at)


def _forget(db: Database, matches: Callable[[TokenIdentity], bool]) -> None:
    global _drops
    with _cache_lock:
        _drops += 1
        for key in [key for key, (_, identity) in _cache.items() if key[0] == db.path and matches(identity)]:
            del _cache[key]
