"""The generated data's injected incidents, found by an anomaly rule on daily events replayed day by day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from analytics.alerts import AlertRule, replay
from analytics.db import Database, forget_database, open_database
from analytics.viewer import SYSTEM

MARGIN_DAYS = 7


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """2,000 users over 240 days to 2025-06-30 (seed 42): about 400 events a day, so the outage shows."""
    from analytics.seed import generate

    database = open_database(Path(tmp_path_factory.mktemp("alerts")) / "pulse.duckdb")
    generate(database, users=2000, days=240, seed=42, end_date=date(2025, 6, 30))
    yield database
    forget_database(database.path)


@pytest.mark.slow
def test_an_anomaly_rule_flags_each_incident_day(generated):
    truth = {
        kind: pd.Timestamp(day).date()
        for day, kind in generated.rows(
            "SELECT day, kind FROM ground_truth_incidents WHERE kind IN ('spike', 'outage')"
        )
    }
    start = min(truth.values()) - timedelta(days=MARGIN_DAYS)
    end = max(truth.values()) + timedelta(days=MARGIN_DAYS)
    rule = AlertRule(rule_id="replay", name="Events anomaly", metric="events", condition="anomaly")
    found = replay(generated, SYSTEM, rule, start, end, today=date(2025, 7, 1))
    flagged = set(found.loc[found["fired"], "period"])
    assert len(found) == (end - start).days + 1
    assert set(truth.values()) <= flagged  # recall 1.0
    assert len(flagged & set(truth.values())) / len(flagged) >= 0.5  # most flagged days are real
    outage = found.set_index("period").loc[truth["outage"]]
    assert outage["observed"] < 0.5 * outage["expected"]
    assert outage["message"].startswith(f"Daily events on {truth['outage']} were ")
