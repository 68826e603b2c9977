"""`python -m analytics export`: options reach the export, errors are one line with exit code 2."""

from __future__ import annotations

import csv

from analytics.cli import main


def read_csv(path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_export_with_period_columns_and_segment(filled, tmp_path, capsys):
    out = tmp_path / "events.csv"
    code = main(
        ["export", "events", "--db", str(filled.path), "--out", str(out), "--start", "2024-05-02", "--end",
         "2024-05-03", "--segment", "plan=free", "--columns", "event_id,user_id"]
    )  # fmt: skip
    assert code == 0
    assert read_csv(out) == [
        ["event_id", "user_id"],
        ["e6", "cy-003"],
        ["e7", "cy-003"],
        ["e5", "bo-002"],
        ["e8", "cy-003"],
    ]
    assert "Exported 4 rows of events" in capsys.readouterr().out
    assert filled.rows("SELECT actor, source FROM audit_log WHERE action = 'export'") == [("system", "cli")]


def test_funnel_options_and_formats(filled, tmp_path):
    out = tmp_path / "funnel.jsonl"
    args = ["export", "funnel", "--db", str(filled.path), "--out", str(out), "--steps", "signup,lesson"]
    assert main([*args, "--window-s", "86400", "--columns", "step,users"]) == 0
    assert out.read_text().splitlines() == ['{"step":1,"users":3}', '{"step":2,"users":2}']
    parquet = tmp_path / "funnel.data"
    assert (
        main(
            [
                "export",
                "daily_metrics",
                "--db",
                str(filled.path),
                "--out",
                str(parquet),
                "--format",
                "parquet",
            ]
        )
        == 0
    )
    assert parquet.read_bytes()[:4] == b"PAR1"


def test_anonymise_flag(filled, tmp_path):
    out = tmp_path / "users.csv"
    assert main(["export", "users", "--db", str(filled.path), "--out", str(out), "--anonymise"]) == 0
    header, *rows = read_csv(out)
    assert "email" not in header and all(row[0].startswith("anon_") for row in rows)


def test_unknown_dataset_and_column_are_one_line_errors(filled, tmp_path, capsys):
    out = str(tmp_path / "x.csv")
    assert main(["export", "clicks", "--db", str(filled.path), "--out", out]) == 2
    assert capsys.readouterr().err.startswith("error: Unknown dataset 'clicks'. Datasets: events, users,")
    assert main(["export", "users", "--db", str(filled.path), "--out", out, "--columns", "user_id,age"]) == 2
    assert "no column 'age'. Columns: user_id, display_name" in capsys.readouterr().err
    assert main(["export", "users", "--db", str(filled.path), "--out", out, "--start", "May 1"]) == 2
    assert "--start must be a date like 2024-05-01" in capsys.readouterr().err
