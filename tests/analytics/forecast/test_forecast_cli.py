"""`forecast` and `anomalies` from the command line: stable columns, CSV output, one-line errors."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import cli
from analytics.forecast import cache


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI with only this module's commands; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("forecast",))
    cache.clear()

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_forecast_is_registered():
    assert "forecast" in cli.COMMAND_MODULES


def test_forecast_writes_the_stable_columns(run, seeded_db, tmp_path):
    out = tmp_path / "forecast.csv"
    code, printed, err = run(
        "forecast",
        "--metric",
        "events",
        "--db",
        str(seeded_db.path),
        "--as-of",
        "2025-05-31",
        "--horizon-days",
        "14",
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["date", "yhat", "yhat_lower", "yhat_upper"]
    # The model saw data up to the end of May 31, so the forecast starts on June 1.
    assert frame["date"].tolist() == [f"2025-06-{day:02d}" for day in range(1, 15)]
    assert printed.startswith("Wrote 14 rows to ")
    assert "the seasonal-naive baseline" in printed and "Trend: " in printed


def test_weekly_forecast_for_a_segment_prints_a_table(run, seeded_db):
    code, printed, _ = run(
        "forecast",
        "--metric",
        "active_users",
        "--db",
        str(seeded_db.path),
        "--grain",
        "week",
        "--segment",
        "platform=ios",
        "--horizon-days",
        "21",
    )
    assert code == 0
    lines = printed.splitlines()
    assert lines[0].split() == ["date", "yhat", "yhat_lower", "yhat_upper"]
    assert len(lines) == 1 + 3 + 1


def test_anomalies_judge_the_chosen_days(run, seeded_db, tmp_path):
    out = tmp_path / "anomalies.csv"
    code, printed, _ = run(
        "anomalies",
        "--metric",
        "events",
        "--db",
        str(seeded_db.path),
        "--start",
        "2025-02-20",
        "--end",
        "2025-02-26",
        "--out",
        str(out),
    )
    assert code == 0
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["date", "value", "expected", "lower", "upper", "is_anomaly", "score"]
    assert frame["date"].tolist() == [f"2025-02-{day}" for day in range(20, 27)]
    assert printed.endswith("periods are anomalies.\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("forecast", "--metric", "revenue"), "error: Unknown metric 'revenue'"),
        (("forecast", "--metric", "events", "--as-of", "31/05/2025"), "The --as-of option must be a date"),
        (("anomalies", "--metric", "events", "--segment", "tier=gold"), "Unknown segment key 'tier'"),
        (("forecast", "--metric", "events", "--holidays", "Atlantis"), "ISO country code"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run, seeded_db, argv, message):
    code, _, err = run(*argv, "--db", str(seeded_db.path))
    assert code == 2
    assert err.startswith(message) or message in err
    assert err.count("\n") == 1


def test_an_empty_database_is_explained(run, db):
    code, _, err = run("forecast", "--metric", "events", "--db", str(db.path))
    assert code == 2
    assert "has no events yet" in err
