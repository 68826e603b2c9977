"""Shared data of the reliability tests: a large file of events to import."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

BIG_EVENTS = 500_000
"""Events in the import file: enough that an import takes a few seconds, so it can be killed half-way."""
BIG_USERS = 5_000


@pytest.fixture(scope="session")
def big_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet file of BIG_EVENTS events of BIG_USERS new users, one second apart from 2025-01-01."""
    path = tmp_path_factory.mktemp("big") / "events.parquet"
    duckdb.sql(
        f"""COPY (SELECT 'big-' || i AS event_id, 'big-user-' || (i % {BIG_USERS}) AS user_id,
                   ['lesson', 'exercise', 'feature_use'][1 + i % 3] AS activity_type,
                   TIMESTAMP '2025-01-01' + INTERVAL (i) SECOND AS timestamp,
                   'big-session-' || (i // 10) AS session_id
            FROM range({BIG_EVENTS}) AS t(i)) TO '{path}' (FORMAT parquet)"""
    )
    return path
