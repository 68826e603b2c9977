"""The real server refuses a damaged or newer-version database at start: a clear message, a non-zero exit,
and the file left exactly as it was."""

from __future__ import annotations

import hashlib
import random
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from tests.reliability.server import RefusedServer

SEED = 42
HEADERS_BYTES = 3 * 4096
"""DuckDB's file starts with three 4 KiB headers; the blocks follow."""


def _random_bytes(count: int) -> bytes:
    return random.Random(SEED).randbytes(count)


def _not_a_database(path: Path) -> None:
    path.write_bytes(_random_bytes(path.stat().st_size))


def _headers_overwritten(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096:HEADERS_BYTES] = _random_bytes(HEADERS_BYTES - 4096)
    path.write_bytes(bytes(data))


def _middle_overwritten(path: Path) -> None:
    data = bytearray(path.read_bytes())
    start, end = len(data) // 3, 2 * len(data) // 3
    data[start:end] = _random_bytes(end - start)
    path.write_bytes(bytes(data))


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _newer_schema(path: Path) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("INSERT INTO schema_version VALUES (9999, '9999_from_the_future', now())")


DAMAGES = {
    "not a database": (_not_a_database, "is not a valid DuckDB database file"),
    "headers overwritten": (_headers_overwritten, "Corrupt database file"),
    "blocks overwritten": (_middle_overwritten, "Corrupt database file"),
    "truncated": (_truncated, "cannot be read"),
    "newer schema": (_newer_schema, "has schema version 9999, but this Pulse understands versions up to"),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def refusals(
    seeded_master: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[int, str, bool]]:
    """Each damage: (exit code, the 'Pulse cannot start' line, whether the file is unchanged), all started at once."""
    started = {}
    for name, (damage, _) in DAMAGES.items():
        folder = tmp_path_factory.mktemp(name.replace(" ", "-"))
        path = folder / "pulse.duckdb"
        shutil.copy(seeded_master, path)
        damage(path)
        started[name] = (path, _digest(path), time.monotonic(), RefusedServer(path, folder / "server.log"))
    found = {}
    for name, (path, digest, began, server) in started.items():
        code, log = server.refusal()
        line = next(
            (line for line in log.splitlines() if line.startswith("Pulse cannot start: ")), log[-2000:]
        )
        print(f"figure: start refused ({name}): exit {code} after {time.monotonic() - began:.1f} s: {line}")
        found[name] = (code, line, _digest(path) == digest)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("damage", DAMAGES)
def test_server_refuses_a_damaged_or_newer_database_with_a_clear_message(refusals, damage):
    code, line, unchanged = refusals[damage]
    assert code != 0
    assert line.startswith("Pulse cannot start: ")
    assert DAMAGES[damage][1] in line
    assert "Restore it from a backup" in line or "Upgrade Pulse" in line
    assert unchanged
