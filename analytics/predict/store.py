"""The `predictions` table: writing a batch run's rows, reading them back with permission checks.

A run writes one row per user and prediction type, replacing the rows of the same type and as-of day,
and stores its models' measured quality in `meta` under QUALITY_KEY (the quality of the latest run).
Readers see the latest as-of day of each type, and never users who withdrew consent.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.schema import analysable
from analytics.viewer import Viewer
from config.permissions import Permission

PREDICTION_TYPES = ("churn", "engagement", "performance", "skill")
"""Types a reader may ask for; a new batch step adds its own here."""
QUALITY_KEY = "predictions_quality"
COLUMNS = (
    "prediction_id",
    "user_id",
    "prediction_type",
    "prediction_data",
    "confidence_score",
    "horizon_days",
    "model_version",
    "as_of",
    "created_at",
)
PREDICTIONS = ibis.table(
    {
        "prediction_id": "string",
        "user_id": "string",
        "prediction_type": "string",
        "prediction_data": "json",
        "confidence_score": "float64",
        "horizon_days": "int32",
        "model_version": "string",
        "as_of": "date",
        "created_at": "timestamp",
    },
    name="predictions",
)


@dataclass(frozen=True)
class PredictionSet:
    """One model's output for one run: a JSON-ready dict and a confidence per user, and its quality."""

    prediction_type: str
    model_version: str
    horizon_days: int | None
    user_ids: list[str]
    data: list[dict[str, Any]]
    confidence: list[float | None]
    quality: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.user_ids)

    def write(self, cursor: duckdb.DuckDBPyConnection, *, as_of: date) -> int:
        """Replace this type's rows for `as_of` (a batch step's output)."""
        return write_predictions(cursor, [self], as_of=as_of)


def write_predictions(cursor: duckdb.DuckDBPyConnection, sets: list[PredictionSet], *, as_of: date) -> int:
    """Replace each set's rows for `as_of` inside the caller's transaction; return the rows written."""
    written = 0
    for found in sets:
        cursor.execute(
            "DELETE FROM predictions WHERE prediction_type = ? AND as_of = ?", [found.prediction_type, as_of]
        )
        if not len(found):
            continue
        rows = pa.table(
            {
                "prediction_id": [uuid.uuid4().hex for _ in found.user_ids],
                "user_id": found.user_ids,
                "prediction_type": [found.prediction_type] * len(found),
                "prediction_data": [json.dumps(data, allow_nan=False) for data in found.data],
                "confidence_score": pa.array(found.confidence, type=pa.float64()),
                "horizon_days": pa.array([found.horizon_days] * len(found), type=pa.int32()),
                "model_version": [found.model_version] * len(found),
                "as_of": pa.array([as_of] * len(found), type=pa.date32()),
            }
        )
        cursor.register("_new_predictions", rows)
        cursor.execute(
            """INSERT INTO predictions (prediction_id, user_id, prediction_type, prediction_data,
                   confidence_score, horizon_days, model_version, as_of)
               SELECT prediction_id, user_id, prediction_type, CAST(prediction_data AS JSON),
                   confidence_score, horizon_days, model_version, as_of
               FROM _new_predictions"""
        )
        cursor.unregister("_new_predictions")
        written += len(found)
    return written


def write_quality(cursor: duckdb.DuckDBPyConnection, quality: dict[str, Any]) -> None:
    """Keep the latest run's quality figures (JSON) in `meta`."""
    cursor.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)", [QUALITY_KEY, json.dumps(quality, allow_nan=True)]
    )


def read_quality(db: Database, viewer: Viewer) -> dict[str, Any] | None:
    """The latest run's as_of, time and per-model quality figures, or None before the first run."""
    viewer.require_aggregate(Permission.VIEW_PREDICTIONS)
    text = db.scalar("SELECT value FROM meta WHERE key = ?", [QUALITY_KEY])
    return None if text is None else json.loads(text)


def _check_type(prediction_type: str | None) -> None:
    if prediction_type is not None and prediction_type not in PREDICTION_TYPES:
        raise AnalyticsError(
            f"The 'prediction_type' must be one of {', '.join(PREDICTION_TYPES)}. Got {prediction_type!r}."
        )


def read_predictions(
    db: Database, viewer: Viewer, *, user_id: str | None = None, prediction_type: str | None = None
) -> pd.DataFrame:
    """The latest run's predictions (of each type), for one user or for everyone.

    One user needs VIEW_PREDICTIONS (and VIEW_OTHER_USER_ANALYTICS unless it is the viewer); everyone
    needs both. Columns: COLUMNS, prediction_data parsed into a dict; ordered by type and user.
    """
    if user_id is None:
        viewer.require_aggregate(Permission.VIEW_PREDICTIONS)
    else:
        viewer.require_user(user_id, Permission.VIEW_PREDICTIONS)
    _check_type(prediction_type)
    rows = analysable(PREDICTIONS)
    if user_id is not None:
        rows = rows.filter(rows.user_id == user_id)
    if prediction_type is not None:
        rows = rows.filter(rows.prediction_type == prediction_type)
    latest = PREDICTIONS.group_by("prediction_type").aggregate(latest=PREDICTIONS.as_of.max())
    rows = rows.semi_join(
        latest, (rows.prediction_type == latest.prediction_type) & (rows.as_of == latest.latest)
    )
    found = db.run(rows.select(*COLUMNS).order_by("prediction_type", "user_id"))
    found["as_of"] = [pd.Timestamp(day).date() for day in found["as_of"]]
    return found


def latest_rows(prediction_type: str) -> ir.Table:
    """The Ibis rows of `prediction_type` from its latest as-of day, without users who withdrew consent."""
    _check_type(prediction_type)
    of_type = PREDICTIONS.filter(PREDICTIONS.prediction_type == prediction_type)
    rows = analysable(of_type)
    return rows.filter(rows.as_of == of_type.as_of.max())


def churn_risk_list(db: Database, viewer: Viewer, *, band: str | None = None) -> pd.DataFrame:
    """Every user's latest churn risk, riskiest first: user_id, churn_probability, risk_band, reasons, as_of.

    `reasons` joins the sentences with "; ". `band` keeps one of low, medium, high.
    """
    viewer.require_aggregate(Permission.VIEW_PREDICTIONS)
    bands = ("low", "medium", "high")
    if band is not None and band not in bands:
        raise AnalyticsError(f"The 'band' must be one of {', '.join(bands)}. Got {band!r}.")
    rows = latest_rows("churn")
    data = rows.prediction_data
    table = rows.select(
        "user_id",
        churn_probability=data["probability"].float,
        risk_band=data["band"].str,
        reasons=data["reasons"].array.map(lambda sentence: sentence.str).join("; "),
        as_of="as_of",
    )
    if band is not None:
        table = table.filter(table.risk_band == band)
    found = db.run(table.order_by(ibis.desc("churn_probability"), "user_id"))
    found["reasons"] = found["reasons"].fillna("")
    found["as_of"] = [pd.Timestamp(day).date() for day in found["as_of"]]
    return found
