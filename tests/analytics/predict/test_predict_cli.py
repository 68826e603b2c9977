"""`predict churn` and `batch` from the command line."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

import analytics.predict
from analytics.cli import main
from analytics.predict.churn import ChurnQuality
from analytics.predict.quality import classifier_quality


def test_churn_to_csv(seeded_db, tmp_path, capsys):
    out = tmp_path / "churn.csv"
    assert (
        main(["predict", "churn", "--db", str(seeded_db.path), "--out", str(out), "--horizon-days", "21"])
        == 0
    )
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["user_id", "churn_probability", "risk_band", "reasons"]
    assert len(table) == seeded_db.scalar(
        "SELECT count(DISTINCT d.user_id) FROM user_daily d JOIN users u USING (user_id) WHERE u.consent_analytics"
    )
    assert table["churn_probability"].is_monotonic_decreasing
    printed = capsys.readouterr().out
    assert (
        f"Wrote {len(table):,} rows" in printed
        and "ROC AUC" in printed
        and "days since last event" in printed
    )


def test_churn_printed_as_a_table(db, monkeypatch, capsys):
    scores = pd.DataFrame(
        {
            "user_id": ["u1", "user-22"],
            "churn_probability": [0.8125, 0.1],
            "risk_band": ["high", "low"],
            "reasons": [
                "no activity for 19 days; short sessions: 4 minutes on average in the last 28 days",
                "",
            ],
        }
    )
    figures = classifier_quality(np.array([1, 0]), np.array([0.8, 0.1]))
    quality = ChurnQuality("gradient_boosting", {}, figures, figures, 30, (), date(2025, 5, 1), 10)
    seen = {}

    def fake_scores(database, viewer, *, as_of, horizon_days):
        seen.update(as_of=as_of, horizon_days=horizon_days)
        return scores, quality

    monkeypatch.setattr(analytics.predict, "churn_scores", fake_scores)
    assert main(["predict", "churn", "--db", str(db.path), "--as-of", "2025-05-31"]) == 0
    assert seen == {"as_of": date(2025, 5, 31), "horizon_days": None}
    assert capsys.readouterr().out.splitlines()[:3] == [
        "user_id  churn_probability  risk_band  reasons",
        "u1                   0.812  high       no activity for 19 days; short sessions: 4 minutes on average in the last 28 days",
        "user-22              0.100  low        ",
    ]


def test_batch_prints_progress_and_quality(seeded_db, capsys):
    assert main(["batch", "--db", str(seeded_db.path)]) == 0
    printed = capsys.readouterr().out
    assert "[" + "#" * 30 + "] 100%  done: as of 2025-06-30" in printed
    assert "churn: no event in the next 60 days: ROC AUC" in printed
    assert "engagement: active_days MAE" in printed
    assert "skill: next_level MAE" in printed


def test_bad_dates_exit_with_one_line(seeded_db, capsys):
    assert main(["batch", "--db", str(seeded_db.path), "--as-of", "30/06/2025"]) == 2
    assert (
        capsys.readouterr().err
        == "error: The --as-of option must be a date like 2025-06-30. Got '30/06/2025'.\n"
    )
