"""`python -m analytics recommend` and `insights` on the generated data set."""

from __future__ import annotations

import json

import pandas as pd

from analytics.cli import main


def test_recommend_writes_a_csv_and_reports_quality(seeded_db, tmp_path, capsys):
    out = tmp_path / "recommendations.csv"
    assert main(["recommend", "--db", str(seeded_db.path), "--k", "3", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["user_id", "rank", "recommendation_type", "item", "score", "reason"]
    assert table.groupby("user_id")["rank"].max().le(3).all()
    printed = capsys.readouterr().out
    assert "Item model quality: hit-rate@10" in printed and "vs most-popular" in printed


def test_recommend_for_one_user_prints_a_table(seeded_db, capsys):
    assert main(["recommend", "--db", str(seeded_db.path), "--user", "u000001", "--as-of", "2025-06-30"]) == 0
    assert "u000001" in capsys.readouterr().out
    assert main(["recommend", "--db", str(seeded_db.path), "--as-of", "30/06/2025"]) == 2
    assert "--as-of option must be a date like 2025-01-31" in capsys.readouterr().err


def test_insights_as_json(seeded_db, tmp_path, capsys):
    out = tmp_path / "insights.json"
    assert main(["insights", "--db", str(seeded_db.path), "--out", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert (payload["start"], payload["end"]) == ("2025-06-03", "2025-06-30")
    assert {"insights", "correlations", "cohort_start"} <= set(payload)
    assert main(["insights", "--db", str(seeded_db.path), "--user", "u000001"]) == 0
    assert "Insights from 2025-06-03 to 2025-06-30 for u000001" in capsys.readouterr().out
