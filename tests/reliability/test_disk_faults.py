"""A full disk or a read-only data folder: a clear error, and a database that still opens with what it held.

The disk is a small tmpfs (mounting needs root, as `make test` has; the tests skip without it) or, for
the import, a file-size limit (RLIMIT_FSIZE, which needs nothing), so both ENOSPC and EFBIG are seen.
"""

from __future__ import annotations

import resource
import shutil
import signal

import httpx
import pytest

from analytics.ingest import drain_rollup_queue
from tests.reliability.server import (
    RefusedServer,
    Server,
    cli,
    fill,
    fingerprint,
    make_read_only,
    opened,
    page_times,
    prepared_copy,
    tmpfs,
)

DISK_MB = 12
"""The small disk: room for the seeded copy (about 5 MB) and its write-ahead log, not for BIG_EVENTS more."""


def _file_size_limit(limit_bytes: int):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return limit


def _import_fails_cleanly(path, big_events, **options) -> str:
    before = fingerprint(path)
    started = cli("import", str(big_events), "--kind", "events", "--db", str(path), **options)
    output, _ = started.communicate(timeout=300)
    print(f"figure: import on a full disk: exit {started.returncode}: {output.strip().splitlines()[-1]}")
    assert started.returncode == 2, output
    assert fingerprint(path) == before  # the file opens and holds what it held
    return output


@pytest.mark.slow
def test_import_on_a_full_disk_fails_with_a_clear_error_and_keeps_the_database(
    seeded_master, big_events, tmp_path
):
    with tmpfs(tmp_path / "disk", size_mb=DISK_MB) as disk:
        path = disk / "pulse.duckdb"
        shutil.copy(seeded_master, path)
        output = _import_fails_cleanly(path, big_events)
    assert "error: A write failed" in output and "No space left on device" in output
    assert "Nothing of this change was stored" in output


@pytest.mark.slow
def test_import_over_the_file_size_limit_fails_with_a_clear_error_and_keeps_the_database(
    seeded_master, big_events, tmp_path
):
    path = tmp_path / "pulse.duckdb"
    shutil.copy(seeded_master, path)
    limit = path.stat().st_size + 2**20
    output = _import_fails_cleanly(path, big_events, preexec_fn=_file_size_limit(limit))
    assert "error: A write failed" in output and "File too large" in output


@pytest.mark.slow
def test_full_disk_under_the_running_server_answers_503_and_recovers_when_space_returns(
    seeded_master, tmp_path
):
    with tmpfs(tmp_path / "disk", size_mb=DISK_MB) as disk:
        path, credentials = prepared_copy(seeded_master, disk)
        server = Server(path, tmp_path / "server.log")
        headers = {"Authorization": f"Bearer {credentials.token}"}

        def track(prefix: str) -> httpx.Response:
            events = [
                {
                    "event_id": f"{prefix}-{n}",
                    "user_id": f"disk-user-{n % 7}",
                    "activity_type": "lesson",
                    "timestamp": "2025-06-01T10:00:00Z",
                }
                for n in range(500)
            ]
            return httpx.post(
                f"{server.url}/api/v1/analytics/track", json=events, headers=headers, timeout=60
            )

        try:
            assert track("before").status_code == 200
            filler = fill(disk)
            refused = track("full")
            print(
                f"figure: tracking on a full disk: HTTP {refused.status_code}: {refused.json()['error']['message']}"
            )
            assert refused.status_code == 503
            assert "No space left on device" in refused.json()["error"]["message"]
            assert httpx.get(f"{server.url}/api/v1/analytics/health", timeout=30).status_code == 200
            pages = page_times(server.url, credentials.cookie, sessions=1, seconds=1)
            assert pages.latencies_s and not pages.failures, pages.failures
            filler.unlink()
            assert track("after").status_code == 200
        finally:
            server.stop()
        with opened(path) as db:
            drain_rollup_queue(db)
            stored = dict(
                db.rows(
                    "SELECT split_part(event_id, '-', 1), count(*) FROM events "
                    "WHERE event_id SIMILAR TO '(before|full|after)-[0-9]+' GROUP BY ALL"
                )
            )
            counted = db.scalar("SELECT sum(event_count) FROM user_daily")
            assert counted == db.scalar("SELECT count(*) FROM events")
    assert stored == {"before": 500, "after": 500}


@pytest.mark.slow
def test_read_only_data_folder_is_refused_at_start_and_by_the_cli_with_a_clear_message(
    seeded_master, tmp_path
):
    with tmpfs(tmp_path / "disk", size_mb=DISK_MB) as disk:
        path = disk / "pulse.duckdb"
        shutil.copy(seeded_master, path)
        before = fingerprint(path)
        make_read_only(disk)
        code, log = RefusedServer(path, tmp_path / "server.log").refusal()
        started = cli("import", "unused.csv", "--kind", "events", "--db", str(path))
        output, _ = started.communicate(timeout=120)
        assert fingerprint(path) == before
    refusal = next(line for line in log.splitlines() if line.startswith("Pulse cannot start: "))
    print(f"figure: server on a read-only folder: exit {code}: {refusal}")
    assert code != 0
    assert f"The database file {path} cannot be written" in refusal and "Read-only file system" in refusal
    assert started.returncode == 2 and "cannot be written" in output, output
