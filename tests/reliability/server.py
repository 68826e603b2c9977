"""Helpers of the reliability tests: the real server on a prepared copy of the seeded data, a server start
that is expected to be refused, tracking bursts, and disks that are small or read-only."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analytics.db import Database, forget_database, open_database
from bench.load import (
    Credentials,
    LoadConfig,
    Tally,
    browse,
    prepare_database,
    run_coroutine,
    run_prefix,
    track,
)
from tests.e2e.conftest import ROOT, STARTUP_TIMEOUT_S, Server

__all__ = ["ROOT", "Server"]


def prepared_copy(master: Path, folder: Path) -> tuple[Path, Credentials]:
    """A copy of the database `master` in `folder` with the load accounts added (tracking token, UI cookie)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pulse.duckdb"
    shutil.copy(master, path)
    with opened(path) as db:
        credentials = prepare_database(db)
    return path, credentials


@contextmanager
def opened(path: Path) -> Iterator[Database]:
    """The database at `path`, opened in this process (the server must not be running on it)."""
    db = open_database(path)
    try:
        yield db
    finally:
        forget_database(path)


class RefusedServer(Server):
    """A server start that is expected to fail; `refusal()` waits for the exit, so refused starts may overlap."""

    def _wait_until_up(self) -> None:
        """Return at once: this server is not expected to answer."""

    def refusal(self) -> tuple[int, str]:
        """The exit code and the log of the process, once it has exited."""
        code = self.process.wait(timeout=STARTUP_TIMEOUT_S)
        self._log.close()
        return code, self.log_path.read_text()


def tracking_burst(
    url: str, token: str, *, seconds: float, batch_clients: int = 1, single_clients: int = 4
) -> tuple[str, list[Tally]]:
    """Track batches of 1,000 and single events for `seconds` (or until the server goes away).

    Returns the event-id prefix of the burst and the tallies of (batches, single events).
    """
    prefix = run_prefix()
    batches, singles = Tally(), Tally()

    async def burst() -> None:
        deadline = time.monotonic() + seconds
        clients = [
            track(url, token, f"{prefix}b{n}", 1_000, 500, deadline, batches) for n in range(batch_clients)
        ]
        clients += [
            track(url, token, f"{prefix}s{n}", 0, 500, deadline, singles) for n in range(single_clients)
        ]
        await asyncio.gather(*clients)

    run_coroutine(burst())
    return prefix, [batches, singles]


def page_times(url: str, cookie: str, *, sessions: int, seconds: float) -> Tally:
    """Signed-in UI sessions opening dashboards one after another for `seconds`; their page times."""
    pages = Tally()
    config = LoadConfig(think_s=(0.2, 0.5))

    async def browsing() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*[browse(url, cookie, n, config, deadline, pages) for n in range(sessions)])

    run_coroutine(browsing())
    return pages


def cli(*args: str, **options: object) -> subprocess.Popen:
    """`python -m analytics ARGS` started in the project folder, its output on a pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **options,
    )


def can_mount() -> bool:
    """Whether this process may mount file systems (root): needed for a full or read-only disk."""
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def tmpfs(folder: Path, *, size_mb: int) -> Iterator[Path]:
    """A fresh tmpfs of `size_mb` mounted at `folder` (a disk that fills up for real); skips if not root."""
    if not can_mount():
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def make_read_only(folder: Path) -> None:
    """Make the tmpfs at `folder` read-only (nothing in it may be open for writing)."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Fill the file system of `folder` to its last byte with one file; delete that file to free the space."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        for chunk_bytes in (2**20, 4096, 1):
            chunk = bytes(chunk_bytes)
            try:
                while handle.write(chunk):
                    pass
            except OSError:  # ENOSPC: try smaller chunks, down to the last byte
                pass
    return filler


def fingerprint(path: Path) -> tuple[int, int, int]:
    """(events, users, a hash of every event id) of the file at `path`, opened read-only."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM users), "
            "(SELECT coalesce(sum(hash(event_id)), 0) FROM events)"
        ).fetchall()[0]
