"""The batch run on the shared generated data set: all models written at once, progress, extension, failure."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import pytest

from analytics.errors import AnalyticsError, PermissionDenied
from analytics.predict.batch import STEPS, BatchContext, Step, run_batch, start_batch
from analytics.predict.store import PredictionSet, read_predictions, read_quality
from analytics.viewer import SYSTEM, Viewer
from tests.conftest import SEEDED_END


def test_a_run_writes_every_model_and_its_quality(seeded_db):
    calls: list[tuple[float, str]] = []
    summary = run_batch(seeded_db, SYSTEM, progress=lambda share, message: calls.append((share, message)))
    assert summary.as_of == SEEDED_END
    assert set(summary.rows) == {"churn", "engagement", "performance", "skill", "recommendations"}
    assert all(count > 0 for count in summary.rows.values())
    stored = dict(seeded_db.rows("SELECT prediction_type, count(*) FROM predictions GROUP BY ALL"))
    stored["recommendations"] = seeded_db.scalar("SELECT count(*) FROM recommendations")
    assert stored == summary.rows
    assert set(seeded_db.rows("SELECT DISTINCT as_of FROM predictions")) == {(SEEDED_END,)}
    shares = [share for share, _ in calls]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert [message.split(":")[0] for _, message in calls if message.endswith("fitting and scoring")] == [
        step.name for step in STEPS
    ]
    assert read_quality(seeded_db, SYSTEM)["models"]["churn"]["model"]["roc_auc"] > 0.5
    churn = read_predictions(seeded_db, SYSTEM, prediction_type="churn")["prediction_data"][0]
    assert set(churn) == {"probability", "band", "reasons"}


@dataclass
class Noted:
    """A step output that writes nothing: the shape another kind of prediction would take."""

    quality: dict = field(default_factory=dict)

    def write(self, cursor, *, as_of: date) -> int:
        return 0


def one_prediction(context: BatchContext) -> PredictionSet:
    return PredictionSet("engagement", "test", 30, ["u0001"], [{"active_days": 1.0}], [0.8])


def test_a_failing_step_leaves_the_earlier_run_in_place(seeded_db):
    run_batch(seeded_db, SYSTEM, steps=[Step("engagement", one_prediction)])
    before = seeded_db.rows("SELECT prediction_id, prediction_type FROM predictions")
    assert len(before) == 1

    def broken(context: BatchContext) -> Noted:
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError, match="step failed"):
        run_batch(seeded_db, SYSTEM, steps=[Step("engagement", one_prediction), Step("broken", broken)])
    assert seeded_db.rows("SELECT prediction_id, prediction_type FROM predictions") == before


def test_another_step_joins_the_run_and_reads_earlier_outputs(seeded_db):
    seen = {}

    def extra(context: BatchContext) -> Noted:
        seen["churn_users"] = len(context.outputs["churn"])
        return Noted({"looked_at": seen["churn_users"]})

    summary = run_batch(seeded_db, SYSTEM, as_of=date(2025, 5, 31), steps=[STEPS[0], Step("extra", extra)])
    assert summary.rows == {"churn": seen["churn_users"], "extra": 0}
    assert summary.quality["models"]["extra"] == {"looked_at": seen["churn_users"]}
    assert read_predictions(seeded_db, SYSTEM)["as_of"].unique().tolist() == [date(2025, 5, 31)]


def test_a_background_run_reports_its_end(seeded_db):
    progress = start_batch(seeded_db, SYSTEM, steps=[Step("engagement", one_prediction)])
    deadline = time.monotonic() + 120
    while not progress.snapshot()[2] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert progress.error is None and progress.summary.rows == {"engagement": 1}
    assert progress.snapshot()[0] == 1.0


def test_a_background_failure_is_reported(seeded_db):
    def broken(context: BatchContext) -> Noted:
        raise AnalyticsError("no good")

    progress = start_batch(seeded_db, SYSTEM, steps=[Step("broken", broken)])
    deadline = time.monotonic() + 60
    while not progress.snapshot()[2] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert progress.error == "AnalyticsError: no good" and progress.summary is None


def test_members_may_not_run_it(seeded_db):
    with pytest.raises(PermissionDenied, match="GENERATE_PREDICTIONS"):
        run_batch(seeded_db, Viewer.for_role("m", "member", user_id="u1"))
