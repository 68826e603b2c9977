"""Group commit: concurrent calls share writes, each gets its own result, and callers answered together
are written together the next time instead of splitting into groups that take turns."""

from __future__ import annotations

import threading
import time

from analytics.db import Database
from analytics.ingest.group_commit import write_grouped

CALLERS = 8
ROUNDS = 12


def run_callers(db: Database, write_s: float) -> tuple[list[int], list[str]]:
    """CALLERS threads each making ROUNDS calls at once; (size of each write, problems seen)."""
    sizes: list[int] = []
    problems: list[str] = []

    def write(calls: list[list[int]]) -> list[int]:
        sizes.append(len(calls))
        time.sleep(write_s)
        return [sum(records) for records in calls]

    def caller(number: int) -> None:
        for round_number in range(ROUNDS):
            records = [number, round_number]
            result = write_grouped(db, "test", records, write, max_records=1_000)
            if result != number + round_number:
                problems.append(f"caller {number} round {round_number} got {result}")

    threads = [threading.Thread(target=caller, args=(number,)) for number in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sizes, problems


def test_each_caller_gets_its_own_result_from_shared_writes(tmp_path):
    sizes, problems = run_callers(Database(tmp_path / "a.duckdb"), write_s=0.002)
    assert not problems
    assert sum(sizes) == CALLERS * ROUNDS and len(sizes) < CALLERS * ROUNDS


def test_callers_answered_together_are_written_together_next(tmp_path):
    sizes, problems = run_callers(Database(tmp_path / "b.duckdb"), write_s=0.020)
    assert not problems
    settled = sizes[2:]
    assert sum(size == CALLERS for size in settled) >= 0.8 * len(settled), sizes
