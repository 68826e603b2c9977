"""The batch run: every model for every user as of one day, written in one transaction.

A run is a list of steps (`STEPS`). Each step computes from a shared `BatchContext` (the as-of day and
the labelled windows, loaded once) and returns an output that can `write` itself to the run's cursor;
nothing is written until every step has finished, so a failed run leaves the previous predictions as
they were. Another kind of output (recommendations, say) joins the run by appending a `Step`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, Protocol

import duckdb

from analytics.db import Database
from analytics.filters import check_day
from analytics.predict import churn, engagement, performance, skill
from analytics.predict.estimators import one_thread
from analytics.predict.features import Windows, data_span, load_windows
from analytics.predict.store import PredictionSet, write_quality
from analytics.recommend.generate import build_recommendations
from analytics.viewer import Viewer
from config.permissions import Permission

HORIZON_DAYS = 30
Progress = Callable[[float, str], None]
"""Called with the share of the run done (0..1) and what is happening now."""


class StepOutput(Protocol):
    """What a step returns: its measured quality, and how to write its rows in the run's transaction."""

    quality: dict[str, Any]

    def write(self, cursor: duckdb.DuckDBPyConnection, *, as_of: date) -> int: ...


@dataclass
class BatchContext:
    """What every step may read: the database, the as-of day, the shared windows, earlier outputs."""

    db: Database
    viewer: Viewer
    as_of: date
    first_day: date
    say: Callable[[str], None]
    outputs: dict[str, StepOutput] = field(default_factory=dict)

    @cached_property
    def windows(self) -> Windows:
        """Labelled windows with the 30-day horizon of engagement and performance, loaded on first use."""
        self.say("loading point-in-time features for the training, validation and scoring days")
        return load_windows(self.db, as_of=self.as_of, horizon_days=HORIZON_DAYS, first_day=self.first_day)

    @cached_property
    def churn_windows(self) -> Windows:
        """Labelled windows with churn's horizon (longer: see analytics/predict/churn.py), loaded on first use."""
        horizon_days = churn.default_horizon(self.first_day, self.as_of)
        score = self.windows.score  # the scoring day's features are the same whatever the horizon
        self.say(f"loading point-in-time features for churn's {horizon_days}-day horizon")
        return load_windows(
            self.db, as_of=self.as_of, horizon_days=horizon_days, first_day=self.first_day, score=score
        )


@dataclass(frozen=True)
class Step:
    """One model of the run: its name and the function computing its output."""

    name: str
    compute: Callable[[BatchContext], StepOutput]


def _churn(context: BatchContext) -> PredictionSet:
    windows = context.churn_windows
    model = churn.ChurnModel().fit(windows, db=context.db)
    scores = churn.score_population(context.db, model, windows.score)
    probability = scores["churn_probability"].to_numpy()
    return PredictionSet(
        prediction_type=churn.PREDICTION_TYPE,
        model_version=churn.MODEL_VERSION,
        horizon_days=windows.horizon_days,
        user_ids=scores["user_id"].tolist(),
        data=[
            {"probability": round(float(p), 4), "band": band, "reasons": reasons}
            for p, band, reasons in zip(probability, scores["risk_band"], scores["reasons"], strict=True)
        ],
        confidence=[round(float(max(p, 1 - p)), 4) for p in probability],
        quality=model.quality_.to_dict(),
    )


STEPS: list[Step] = [
    Step("churn", _churn),
    Step("engagement", lambda context: engagement.engagement_predictions(context.windows, db=context.db)),
    Step("performance", lambda context: performance.performance_predictions(context.windows)),
    Step("skill", lambda context: skill.skill_predictions(context.db, as_of=context.as_of)),
    Step(
        "recommendations",
        lambda context: build_recommendations(
            context.db, context.viewer, as_of=context.as_of, progress=context.say, evaluate=True
        ),
    ),
]
"""The run's steps, in order; churn's confidence_score is max(p, 1 - p), how sure its band call is.

The recommendations step needs GENERATE_RECOMMENDATIONS as well (build_recommendations checks it)."""


@dataclass(frozen=True)
class BatchSummary:
    """What a run wrote: rows per step, each step's quality, and how long it took."""

    as_of: date
    rows: dict[str, int]
    quality: dict[str, Any]
    seconds: float

    def __str__(self) -> str:
        counts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return f"as of {self.as_of}: {counts} rows in {self.seconds:.1f} s"


def run_batch(
    db: Database,
    viewer: Viewer,
    *,
    as_of: date | None = None,
    progress: Progress | None = None,
    steps: Sequence[Step] | None = None,
) -> BatchSummary:
    """Run every step as of `as_of` (default: the last day with data) and write all outputs at once."""
    viewer.require(Permission.GENERATE_PREDICTIONS)
    started = time.perf_counter()
    steps = STEPS if steps is None else steps
    report = progress or (lambda _share, _message: None)
    first_day, last_day = data_span(db)
    day = last_day if as_of is None else check_day(as_of, "as_of")
    stages = len(steps) + 1
    done = 0

    def say(message: str) -> None:
        report(done / stages, message)

    context = BatchContext(db=db, viewer=viewer, as_of=day, first_day=first_day, say=say)
    with one_thread():
        for step in steps:
            say(f"{step.name}: fitting and scoring")
            context.outputs[step.name] = step.compute(context)
            done += 1
    say("writing predictions")
    quality = {
        "as_of": day.isoformat(),
        "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "models": {name: output.quality for name, output in context.outputs.items()},
    }
    with db.transaction() as cursor:
        rows = {name: output.write(cursor, as_of=day) for name, output in context.outputs.items()}
        write_quality(cursor, quality)
    summary = BatchSummary(as_of=day, rows=rows, quality=quality, seconds=time.perf_counter() - started)
    report(1.0, f"done: {summary}")
    return summary


class BatchProgress:
    """A run's progress, safe to read from another thread (the page polls it while the run works)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.share = 0.0
        self.message = "starting"
        self.finished = False
        self.summary: BatchSummary | None = None
        self.error: str | None = None

    def __call__(self, share: float, message: str) -> None:
        with self._lock:
            self.share, self.message = share, message

    def _finish(self, summary: BatchSummary | None, error: str | None) -> None:
        with self._lock:
            self.summary, self.error, self.finished = summary, error, True

    def snapshot(self) -> tuple[float, str, bool]:
        """(share done, current message, finished?) read together."""
        with self._lock:
            return self.share, self.message, self.finished


def start_batch(
    db: Database, viewer: Viewer, *, as_of: date | None = None, steps: Sequence[Step] | None = None
) -> BatchProgress:
    """Start `run_batch` in a background thread; the returned progress says when it ends and how."""
    viewer.require(Permission.GENERATE_PREDICTIONS)
    progress = BatchProgress()

    def work() -> None:
        try:
            progress._finish(run_batch(db, viewer, as_of=as_of, progress=progress, steps=steps), None)
        except Exception as exc:  # reported on the page; the run wrote nothing
            progress._finish(None, f"{type(exc).__name__}: {exc}")

    threading.Thread(target=work, name="pulse-predictions", daemon=True).start()
    return progress
