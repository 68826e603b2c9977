"""Start-up and shut-down of the server process: open (and migrate) the database before serving."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from analytics.db import open_database
from analytics.errors import AnalyticsError


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Refuse to serve when the database cannot be used (newer schema, corrupt, locked)."""
    try:
        database = open_database()
        database.connection  # noqa: B018 - opening migrates, and fails here rather than on first request
    except AnalyticsError as exc:
        print(f"Pulse cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    yield
    database.close()
