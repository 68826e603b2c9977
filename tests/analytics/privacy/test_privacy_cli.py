"""`retention apply` and `erase` from the command line: output, exit codes and one-line errors."""

from __future__ import annotations

import pytest

from analytics import cli
from analytics.db import Database


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI on the given arguments; return (exit code, stdout, stderr)."""
    # Only this package's commands, so these tests do not depend on other commands' modules.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("privacy",))
    monkeypatch.delenv("PULSE_RETENTION_DAYS", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_privacy_commands_are_registered() -> None:
    assert "privacy" in cli.COMMAND_MODULES


def test_retention_dry_run_reports_and_changes_nothing(run, filled_db: Database) -> None:
    code, out, err = run("retention", "apply", "--db", str(filled_db.path), "--days", "30", "--dry-run")

    assert (code, err) == (0, "")
    assert out.startswith("Would delete 9 events of 3 users older than ")
    assert out.endswith("Dry run: nothing was changed.\n")
    assert filled_db.scalar("SELECT count(*) FROM events") == 9


def test_retention_apply_deletes(run, filled_db: Database) -> None:
    code, out, _ = run("retention", "apply", "--db", str(filled_db.path), "--days", "30")

    assert code == 0
    assert out.startswith("Deleted 9 events of 3 users older than ")
    assert filled_db.scalar("SELECT count(*) FROM events") == 0
    assert filled_db.scalar("SELECT count(*) FROM user_daily") == 0


def test_retention_disabled_by_default_says_so(run, filled_db: Database) -> None:
    code, out, err = run("retention", "apply", "--db", str(filled_db.path))

    assert (code, out) == (2, "")
    assert err.startswith("error: retention is disabled (retention_days = 0 keeps every event).")
    assert err.count("\n") == 1


def test_retention_days_from_the_environment(
    run, filled_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_RETENTION_DAYS", "36500")
    code, out, _ = run("retention", "apply", "--db", str(filled_db.path), "--dry-run")
    assert (code, out.split(" older")[0]) == (0, "Would delete 0 events of 0 users")


def test_negative_days_is_a_one_line_error(run, filled_db: Database) -> None:
    code, out, err = run("retention", "apply", "--db", str(filled_db.path), "--days", "-5")

    assert (code, out) == (2, "")
    assert err == "error: The 'older_than_days' parameter must be an int >= 1. Got -5 instead.\n"


def test_erase_prints_rows_per_table(run, filled_db: Database) -> None:
    code, out, err = run("erase", "--user", "u2", "--db", str(filled_db.path))

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Erased user u2: 6 rows deleted."
    assert "  events: 1" in lines and "  users: 1" in lines and "  recommendations: 0" in lines
    assert filled_db.scalar("SELECT count(*) FROM users WHERE user_id = 'u2'") == 0


def test_erase_unknown_user_is_a_one_line_error(run, filled_db: Database) -> None:
    code, out, err = run("erase", "--user", "nobody", "--db", str(filled_db.path))

    assert (code, out) == (2, "")
    assert err == "error: User 'nobody' has no rows in any table, so there is nothing to erase.\n"
