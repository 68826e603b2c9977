"""The scheduler runs due jobs, keeps going when one fails, and stops cleanly."""

from __future__ import annotations

import time

from analytics.scheduler import Job, Scheduler


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_jobs_run_when_due_and_failures_do_not_stop_others(db):
    calls: list[str] = []

    def broken(_db):
        raise RuntimeError("disk full")

    clock = FakeClock()
    scheduler = Scheduler(
        db,
        [Job("every 10 s", 10, lambda _db: calls.append("a")), Job("broken", 5, broken)],
        clock=clock,
    )
    assert scheduler.run_due() == ["every 10 s", "broken"]
    clock.now = 6
    assert scheduler.run_due() == ["broken"]
    clock.now = 10
    assert scheduler.run_due() == ["every 10 s"]
    assert calls == ["a", "a"]
    assert scheduler.jobs[1].last_error == "RuntimeError: disk full"


def test_a_job_with_a_busy_share_waits_longer_after_a_long_run(db):
    clock = FakeClock()
    durations = [0.1, 2.0, 0.1]

    def run(_db):
        clock.now += durations.pop(0)

    scheduler = Scheduler(db, [Job("drain", 1.0, run, busy_share=0.25)], clock=clock)
    assert scheduler.run_due() == ["drain"]  # 0.1 s: due again 1 s after it started
    clock.now = 1.0
    assert scheduler.run_due() == ["drain"]  # 2 s: busy a quarter of the time means due at 1 + 8
    clock.now = 8.9
    assert scheduler.run_due() == []
    clock.now = 9.0
    assert scheduler.run_due() == ["drain"]


def test_thread_runs_jobs_and_stops(db):
    calls: list[float] = []
    scheduler = Scheduler(db, [Job("tick", 0.01, lambda _db: calls.append(time.monotonic()))])
    scheduler.start(tick_s=0.01)
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()
    assert len(calls) >= 3


def test_server_lanes_keep_slow_jobs_apart(db):
    from analytics.jobs import server_schedulers
    from config.settings import Settings

    quick, slow = server_schedulers(db, Settings(retention_days=30))
    assert [job.name for job in quick.jobs] == ["refresh rollups of tracked events"]
    assert "retention policy" in [job.name for job in slow.jobs]
    assert "retention policy" not in [job.name for job in server_schedulers(db, Settings())[1].jobs]
    assert db.data_version == 0
    quick.run_due()  # an empty queue must not count as a data change (it would empty every cache)
    assert db.data_version == 0
