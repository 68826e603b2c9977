"""`python -m analytics alerts run | list | replay`: output and exit codes."""

from __future__ import annotations

import pytest

from analytics.alerts import create_rule
from analytics.alerts import evaluate as evaluate_module
from analytics.cli import main
from analytics.errors import AnalyticsError
from analytics.viewer import Viewer

PM = Viewer.for_role("pat", "product_manager")


@pytest.fixture
def with_rule(daily):
    db = daily([100, 100, 40])
    rule = create_rule(
        db, PM, name="Events drop", metric="events", condition="threshold", direction="below", threshold=50
    )
    return db, rule


def test_run_prints_the_new_alerts_and_exits_0(with_rule, capsys):
    db, _ = with_rule
    assert main(["alerts", "run", "--db", str(db.path), "--today", "2025-01-09"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Judged 1 rule(s) in ")
    assert out[0].endswith("s: Events drop).")
    assert out[1:] == [
        "New alerts: 1",
        "  [Events drop] Daily events on 2025-01-08 were 40, 20% below the threshold 50.",
        "Webhooks: 0 delivered, 0 failed (retried later), 0 given up, 0 left for the next run.",
    ]
    assert main(["alerts", "run", "--db", str(db.path), "--today", "2025-01-09"]) == 0
    assert "New alerts: 0" in capsys.readouterr().out


def test_run_exits_2_when_a_rule_cannot_be_judged(with_rule, capsys, monkeypatch):
    db, rule = with_rule

    def fail(*_args, **_kwargs):
        raise AnalyticsError("no data for this segment")

    monkeypatch.setattr(evaluate_module, "judge", fail)
    assert main(["alerts", "run", "--db", str(db.path), "--today", "2025-01-09"]) == 2
    assert capsys.readouterr().err == (
        f"error: rule 'Events drop' ({rule.rule_id}) could not be judged: no data for this segment\n"
    )


def test_a_bad_date_is_one_line_and_exit_2(with_rule, capsys):
    db, _ = with_rule
    assert main(["alerts", "run", "--db", str(db.path), "--today", "yesterday"]) == 2
    assert (
        capsys.readouterr().err
        == "error: The --today option must be a date like 2025-01-31. Got 'yesterday'.\n"
    )


def test_list_shows_rules_and_alerts(with_rule, capsys):
    db, rule = with_rule
    main(["alerts", "run", "--db", str(db.path), "--today", "2025-01-09"])
    capsys.readouterr()
    assert main(["alerts", "list", "--db", str(db.path)]) == 0
    out = capsys.readouterr().out
    assert rule.rule_id in out and "below 50" in out
    assert "Newest 1 alerts:" in out
    assert "were 40, 20% below the threshold 50.  [no feedback]" in out


def test_replay_backtests_a_stored_rule(with_rule, capsys):
    db, rule = with_rule
    assert (
        main(
            [
                "alerts",
                "replay",
                rule.rule_id,
                "--db",
                str(db.path),
                "--start",
                "2025-01-06",
                "--end",
                "2025-01-08",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0] == "2025-01-08  severity 0.20  Daily events on 2025-01-08 were 40, 20% below the threshold 50."
    )
    assert out[1].startswith("1 of 3 periods alert (")
