"""kill -9 in the middle of an import and of a tracking burst: all or nothing, and nothing acknowledged lost."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from analytics.ingest import drain_rollup_queue
from bench.load import verify_stored
from tests.reliability.conftest import BIG_EVENTS, BIG_USERS
from tests.reliability.server import Server, cli, fingerprint, opened, prepared_copy, tracking_burst

KILL_AFTER = ("checked", "stored", "rollups")
"""Progress lines of `analytics import` after which it is killed: while it writes events, while it
rebuilds the rollups, and as it commits."""
KILL_TRACKING_AFTER_S = 4.0


def rollups_match_events(path) -> tuple[int, int]:
    """(events stored, events counted by user_daily) after draining the rollup queue."""
    with opened(path) as db:
        drain_rollup_queue(db)
        return db.scalar("SELECT count(*) FROM events"), db.scalar("SELECT sum(event_count) FROM user_daily")


def import_big(path, big_events, *, kill_after: str | None = None) -> tuple[int | None, str]:
    """Run the CLI import of `big_events` into `path`; kill -9 it right after the progress line `kill_after`."""
    started = cli("import", str(big_events), "--kind", "events", "--db", str(path))
    output = []
    for line in started.stdout:
        output.append(line)
        if kill_after and kill_after in line:
            started.send_signal(signal.SIGKILL)
            break
    started.wait()
    started.stdout.close()
    return started.returncode, "".join(output)


@pytest.mark.slow
def test_killed_import_stores_all_or_nothing_and_repeating_it_completes(seeded_master, big_events, tmp_path):
    path, _ = prepared_copy(seeded_master, tmp_path)
    before = fingerprint(path)
    for point in KILL_AFTER:
        code, output = import_big(path, big_events, kill_after=point)
        assert code == -signal.SIGKILL, output
        after = fingerprint(path)  # opens: the killed import left a readable file
        print(
            f"figure: import killed after '{point}': {after[0] - before[0]:,} of {BIG_EVENTS:,} events stored"
        )
        assert after == before or after[:2] == (before[0] + BIG_EVENTS, before[1] + BIG_USERS), after
    code, output = import_big(path, big_events)
    assert code == 0, output
    assert fingerprint(path)[0] == before[0] + BIG_EVENTS
    code, output = import_big(path, big_events)
    assert code == 0, output
    assert "0 events added; skipped: 500,000 duplicates" in output
    with opened(path) as db:
        stored, distinct = db.rows("SELECT count(*), count(DISTINCT event_id) FROM events")[0]
    assert stored == distinct == before[0] + BIG_EVENTS
    assert rollups_match_events(path) == (stored, stored)


@pytest.mark.slow
def test_killed_server_keeps_every_acknowledged_event_and_starts_again(seeded_master, tmp_path):
    path, credentials = prepared_copy(seeded_master, tmp_path)
    server = Server(path, tmp_path / "server.log")
    killer = threading.Timer(KILL_TRACKING_AFTER_S, server.process.kill)  # SIGKILL
    killer.start()
    try:
        prefix, tallies = tracking_burst(server.url, credentials.token, seconds=60, single_clients=8)
    finally:
        killer.cancel()
        server.process.wait(timeout=30)
        server.stop()
    assert server.process.returncode == -signal.SIGKILL
    with opened(path) as db:
        check = verify_stored(db, prefix, tallies)
    print(
        f"figure: server killed {KILL_TRACKING_AFTER_S:g} s into a tracking burst: {check.acknowledged:,} events "
        f"acknowledged, {check.stored:,} stored ({check.stored - check.acknowledged:,} stored but unanswered), "
        f"{len(check.missing)} acknowledged ones missing"
    )
    assert check.acknowledged > 0 and check.exact, check
    assert any(tally.failures for tally in tallies), "the kill interrupted no request"

    started = time.monotonic()
    again = Server(path, tmp_path / "server-again.log")
    try:
        print(f"figure: server started again on the same file in {time.monotonic() - started:.1f} s")
        _, more = tracking_burst(again.url, credentials.token, seconds=2, single_clients=2)
        assert all(not tally.failures for tally in more), [tally.failures for tally in more]
    finally:
        again.stop()
    stored, counted = rollups_match_events(path)
    assert stored == counted
