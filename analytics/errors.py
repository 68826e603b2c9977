"""Pulse's one error family: every message names the input, what was received and what is allowed.

Pages turn these into `st.error`, the API into HTTP 4xx, the CLI into one line and exit code 2.
Anything else that escapes is a bug.
"""

from __future__ import annotations


class AnalyticsError(ValueError):
    """A request Pulse cannot answer because of its input; the message says how to fix it."""

    http_status = 400


class ValidationError(AnalyticsError):
    """Input rows break the data contract; `problems` lists each (source, row, field, reason)."""

    http_status = 422

    def __init__(self, message: str, problems: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class NotFoundError(AnalyticsError):
    """The named user, account, token or object does not exist."""

    http_status = 404


class PermissionDenied(AnalyticsError):
    """The viewer lacks the permission the request needs."""

    http_status = 403


class AuthenticationError(AnalyticsError):
    """Credentials are missing, wrong, expired or revoked."""

    http_status = 401


class RateLimited(AnalyticsError):
    """Too many requests for one token in the current minute."""

    http_status = 429


class ConsentWithdrawn(AnalyticsError):
    """The user withdrew consent to analytics, so nothing about them is stored."""

    http_status = 409


class SchemaError(AnalyticsError):
    """The database file cannot be used by this version of Pulse (too new, corrupt, unwritable)."""

    http_status = 503
