"""The one clock of the auth package: naive UTC, the form every table stores; tests pass `now` instead."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now as a naive UTC timestamp."""
    return datetime.now(UTC).replace(tzinfo=None)
