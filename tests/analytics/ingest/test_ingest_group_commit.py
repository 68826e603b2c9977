"""Group commit: concurrent calls share writes, each gets its own result, and callers answered together
are written together the next time instead of splitting into groups that take turns; calls from an
event loop join the same writes without the loop writing."""

from __future__ import annotations

import asyncio
import threading
import time

from analytics.db import Database
from analytics.ingest.group_commit import write_grouped, write_grouped_async

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


def test_event_loop_calls_share_writes_with_threads_and_are_written_off_the_loop(tmp_path):
    db = Database(tmp_path / "c.duckdb")
    writers: set[int] = set()
    sizes: list[int] = []
    problems: list[str] = []

    def write(calls: list[list[int]]) -> list[int]:
        writers.add(threading.get_ident())
        sizes.append(len(calls))
        time.sleep(0.002)
        if any(records[0] < 0 for records in calls):
            raise ValueError("a negative caller")
        return [sum(records) for records in calls]

    async def loop_caller(number: int) -> None:
        for round_number in range(ROUNDS):
            result = await write_grouped_async(db, "k", [number, round_number], write, max_records=1_000)
            if result != number + round_number:
                problems.append(f"loop caller {number} round {round_number} got {result}")

    async def refused_caller() -> None:
        for round_number in range(ROUNDS):
            try:
                await write_grouped_async(db, "k", [-1, round_number], write, max_records=1_000)
            except ValueError:
                continue
            problems.append("a failing write answered")

    def thread_caller(number: int) -> None:
        for round_number in range(ROUNDS):
            result = write_grouped(db, "k", [number, round_number], write, max_records=1_000)
            if result != number + round_number:
                problems.append(f"thread caller {number} round {round_number} got {result}")

    async def everyone() -> int:
        assert await write_grouped_async(db, "k", [1, 2], write, max_records=1_000) == 3  # a lone call
        threads = [threading.Thread(target=thread_caller, args=(100 + n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        callers = asyncio.gather(*(loop_caller(n) for n in range(CALLERS)), refused_caller())
        await asyncio.wait_for(callers, timeout=30)
        for thread in threads:
            thread.join()
        return threading.get_ident()

    loop_thread = asyncio.run(everyone())
    assert not problems, problems[:5]
    assert loop_thread not in writers and len(writers) >= 2  # writer threads, and the callers' own
    assert max(sizes) >= CALLERS, sizes  # calls were written together
