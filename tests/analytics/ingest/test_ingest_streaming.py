"""Large inputs stream: DuckDB reads the file itself, so a file much larger than its memory limit imports."""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics.db import Database
from analytics.ingest import import_files
from analytics.viewer import SYSTEM
from config.settings import Settings

EVENTS = 500_000
USERS = 100
MEMORY_LIMIT_MB = 96


def test_a_file_more_than_twice_the_memory_limit_imports(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    writer = duckdb.connect()
    writer.execute(
        f"""COPY (
            SELECT 'user-' || (i % {USERS}) AS user_id,
                TIMESTAMP '2024-01-01' + to_milliseconds(i * 200) AS timestamp,
                'exercise' AS activity_type,
                repeat('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ', 6) AS user_agent
            FROM range({EVENTS}) AS t(i)
        ) TO ? (HEADER)""",
        [str(path)],
    )
    writer.close()
    assert path.stat().st_size > 2 * MEMORY_LIMIT_MB * 1_000_000
    db = Database(tmp_path / "small-memory.duckdb", memory_limit=f"{MEMORY_LIMIT_MB}MB")
    # Per-thread buffers grow with the thread count; pin it so the limit means the same on any machine.
    db.connection.execute("SET threads = 2")
    try:
        summary = import_files(db, SYSTEM, [path], settings=Settings())
        assert summary.added == EVENTS
        assert db.scalar("SELECT count(*) FROM events") == EVENTS
        # Each user has an event every 20 s, well within the session gap: one session per user.
        assert db.scalar("SELECT count(*) FROM sessions") == USERS
    finally:
        db.close()
