"""`python -m analytics import`: the summary on success, one error message and exit code 2 on refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import analytics.cli
from analytics.cli import import_, main
from analytics.db import forget_database, open_database
from analytics.errors import AnalyticsError

Write = Callable[[str, str], Path]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., int]]:
    """Run the command line with only the import command, against a database in tmp_path."""
    monkeypatch.setattr(analytics.cli, "COMMAND_MODULES", ("import_",))
    database = tmp_path / "cli.duckdb"
    yield lambda *argv: main([*argv, "--db", str(database)])
    forget_database(database)


def test_import_prints_progress_and_a_summary(
    cli: Callable[..., int], write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        "events.csv", "uid,ts,activity_type\nu1,2024-01-05T10:00:00Z,login\nu1,2024-01-05T10:00:00Z,login\n"
    )
    assert cli("import", str(path), "--kind", "events", "--map", "uid=user_id", "--map", "ts=timestamp") == 0
    out = capsys.readouterr().out
    assert "events.csv: 2 rows read" in out
    assert "Imported events: 2 rows read from 1 file; 1 events added; skipped: 1 duplicates" in out
    assert "users created" in out and "rows/s" in out
    forget_database(tmp_path / "cli.duckdb")
    assert open_database(tmp_path / "cli.duckdb").scalar("SELECT count(*) FROM events") == 1


def test_a_refused_import_prints_the_problems_and_exits_2(
    cli: Callable[..., int], write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("events.csv", "user_id,timestamp,activity_type\nu1,yesterday,login\n")
    assert cli("import", str(path), "--kind", "events") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Nothing was imported: 1 problem found:")
    assert "events.csv row 1, column timestamp: 'yesterday' is not ISO 8601" in err
    assert "Traceback" not in err


def test_the_timezone_option_is_checked(
    cli: Callable[..., int], write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("events.csv", "user_id,timestamp,activity_type\nu1,2024-01-05,login\n")
    assert cli("import", str(path), "--kind", "events", "--timezone", "Moon/Base") == 2
    assert "IANA name" in capsys.readouterr().err


@pytest.mark.parametrize("entry", ["uid", "=user_id", "uid="])
def test_malformed_map_entries_are_refused(entry: str) -> None:
    with pytest.raises(AnalyticsError, match="--map takes SOURCE=TARGET"):
        import_.parse_map([entry])


def test_a_column_mapped_twice_is_refused() -> None:
    with pytest.raises(AnalyticsError, match="names the column 'uid' twice"):
        import_.parse_map(["uid=user_id", "uid=user"])
