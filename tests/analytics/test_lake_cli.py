"""`python -m analytics lake` and `import --lake`: the lake follows the database, one day at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

import analytics.cli
from analytics.cli import main
from analytics.db import forget_database
from analytics.lake import lake_generation


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., int]]:
    """The command line with the import and lake commands, against a database in tmp_path."""
    monkeypatch.setattr(analytics.cli, "COMMAND_MODULES", ("import_", "lake"))
    database = tmp_path / "cli.duckdb"
    yield lambda *argv: main([*argv, "--db", str(database)])
    forget_database(database)


def _events(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("user_id,timestamp,activity_type\n" + "\n".join(rows) + "\n")
    return path


def _lake_count(lake: Path, glob: str = "events/**/*.parquet") -> int:
    return duckdb.execute(f"SELECT count(*) FROM read_parquet('{lake}/{glob}')").fetchall()[0][0]


def test_import_with_lake_rewrites_only_the_imported_days(
    cli: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    first = _events(tmp_path, "a.csv", ["u1,2025-03-01T10:00:00Z,login", "u2,2025-03-02T11:00:00Z,login"])
    assert cli("import", str(first), "--kind", "events", "--lake", str(lake)) == 0
    assert "2 days of events rewritten (2 events)" in capsys.readouterr().out
    untouched = next((lake / "events" / "day=2025-03-01").iterdir())
    stamp = untouched.stat().st_mtime_ns

    second = _events(tmp_path, "b.csv", ["u1,2025-03-02T12:00:00Z,lesson", "u3,2025-03-03T09:00:00Z,login"])
    assert cli("import", str(second), "--kind", "events", "--lake", str(lake)) == 0
    assert "2 days of events rewritten (3 events)" in capsys.readouterr().out
    assert untouched.stat().st_mtime_ns == stamp
    assert _lake_count(lake) == 4
    assert _lake_count(lake, "users/*.parquet") == 3
    assert lake_generation(lake) == 2


def test_lake_command_writes_everything_and_needs_a_folder(
    cli: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _events(tmp_path, "a.csv", ["u1,2025-03-01T10:00:00Z,login"])
    assert cli("import", str(path), "--kind", "events") == 0
    assert cli("lake", "--lake", str(tmp_path / "lake")) == 0
    assert "events 1, users 1, sessions 1" in capsys.readouterr().out
    assert cli("lake") == 2
    assert "Name the lake folder with --lake DIR" in capsys.readouterr().err
