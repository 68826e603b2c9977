"""The audit trail: who did what, to whom, when and from where. Append-only for the app."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.db import Database
from analytics.viewer import Viewer
from config.permissions import Permission

AUDIT_COLUMNS = ("audit_id", "occurred_at", "actor", "action", "target", "detail", "source")


def record(
    cursor: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    *,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    source: str | None = None,
) -> None:
    """Append one audit record inside the caller's transaction (so it commits with the change)."""
    cursor.execute(
        "INSERT INTO audit_log VALUES (nextval('audit_log_ids'), ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            actor,
            action,
            target,
            json.dumps(detail or {}, default=str, sort_keys=True),
            source,
        ],
    )


def log(db: Database, actor: str, action: str, **fields: Any) -> None:
    """Append one audit record in a transaction of its own."""
    with db.transaction(data_changed=False) as cursor:
        record(cursor, actor, action, **fields)


def read_log(
    db: Database,
    viewer: Viewer,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit_rows: int = 1000,
) -> pd.DataFrame:
    """Audit records, newest first, filtered; admins only. Columns: AUDIT_COLUMNS."""
    viewer.require(Permission.MANAGE_ACCOUNTS)
    return db.query(
        """SELECT * FROM audit_log
           WHERE (?::TIMESTAMP IS NULL OR occurred_at >= ?::TIMESTAMP)
             AND (?::TIMESTAMP IS NULL OR occurred_at < ?::TIMESTAMP)
             AND (?::VARCHAR IS NULL OR actor = ?::VARCHAR)
             AND (?::VARCHAR IS NULL OR action = ?::VARCHAR)
           ORDER BY audit_id DESC LIMIT ?""",
        [start, start, end, end, actor, actor, action, action, limit_rows],
    )
