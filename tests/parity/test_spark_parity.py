"""Every analytics query gives the same answer on Spark (Ibis's PySpark backend over the lake) as on DuckDB.

Each case runs one analytics function twice, on DuckDB alone and with analytic reads sent to Spark, and
compares the results: integers, strings and dates exactly, floats to 1e-9 relative (the engines add
floating-point numbers in different orders). Rows are compared as sorted by every column, since rows
that tie on a function's sort keys may come in either order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.behaviour.consistency import consistency
from analytics.behaviour.heatmap import activity_heatmap
from analytics.behaviour.segments import behaviour_segments
from analytics.behaviour.sessions import session_stats
from analytics.db import Database
from analytics.engagement.adoption import feature_adoption, time_to_adopt
from analytics.engagement.lifecycle import lifecycle
from analytics.engagement.retention import retention_matrix, retention_users
from analytics.engagement.score import engagement_scores
from analytics.engagement.stickiness import dau_mau, stickiness
from analytics.filters import Filters
from analytics.funnels.funnel import funnel, funnel_users, known_activity_types
from analytics.insights.correlations import behaviour_correlations, metric_correlations
from analytics.insights.personal import personal_insights
from analytics.insights.product import product_insights
from analytics.metrics.series import metric_series
from analytics.metrics.spec import COMMON_METRICS, parse_metric
from analytics.overview import data_days, overview_figures, top_movers
from analytics.paths import next_steps, path_lengths
from analytics.peers import compare_users, peer_percentiles, self_comparison
from analytics.performance import performance_movers, performance_over_time
from analytics.personal.achievements import user_achievements
from analytics.personal.activity import weekly_activity
from analytics.predict.features import user_features, user_outcomes
from analytics.viewer import SYSTEM

pytestmark = pytest.mark.slow

QUARTER = Filters(start=date(2025, 4, 1), end=date(2025, 6, 30))
WEEKLY = Filters(start=date(2025, 1, 6), end=date(2025, 6, 29), grain="week", segment=(("plan", "pro"),))
TODAY = date(2025, 7, 1)
NOW = datetime(2025, 7, 1)
FUNNEL = {"steps": ["session_start", "lesson", "exercise"], "window_s": 3600}
USER = "u000007"

CASES: dict[str, Callable[[Database], Any]] = {
    "data_days": lambda db: data_days(db, SYSTEM),
    "overview_figures": lambda db: overview_figures(db, SYSTEM, QUARTER, today=TODAY),
    "top_movers": lambda db: top_movers(db, SYSTEM, QUARTER, min_users=5),
    "retention_weekly": lambda db: retention_matrix(db, SYSTEM, WEEKLY, today=TODAY),
    "retention_rolling_returning": lambda db: retention_matrix(
        db, SYSTEM, QUARTER, period="day", window="rolling_24h", return_mode="on_or_after", today=TODAY
    ),
    "retention_users": lambda db: retention_users(
        db, SYSTEM, WEEKLY, cohort=date(2025, 1, 6), period_number=2
    ),
    "lifecycle": lambda db: lifecycle(db, SYSTEM, WEEKLY, today=TODAY),
    "stickiness": lambda db: stickiness(db, SYSTEM, QUARTER, today=TODAY),
    "dau_mau": lambda db: dau_mau(db, SYSTEM, QUARTER, today=TODAY),
    "feature_adoption": lambda db: feature_adoption(db, SYSTEM, WEEKLY, today=TODAY),
    "time_to_adopt": lambda db: time_to_adopt(db, SYSTEM, QUARTER),
    "engagement_scores": lambda db: engagement_scores(db, SYSTEM, QUARTER, as_of=date(2025, 6, 30)),
    "activity_heatmap": lambda db: activity_heatmap(db, SYSTEM, QUARTER),
    "session_stats": lambda db: session_stats(db, SYSTEM, QUARTER, today=TODAY),
    "consistency": lambda db: consistency(db, SYSTEM, QUARTER),
    "activity_types": lambda db: known_activity_types(db, SYSTEM),
    "funnel_sequential": lambda db: funnel(db, SYSTEM, QUARTER, **FUNNEL, breakdown="plan", now=NOW),
    "funnel_strict": lambda db: funnel(db, SYSTEM, QUARTER, **FUNNEL, order="strict", now=NOW),
    "funnel_any": lambda db: funnel(db, SYSTEM, QUARTER, **FUNNEL, order="any", now=NOW),
    "funnel_dropped_users": lambda db: funnel_users(
        db, SYSTEM, QUARTER, **FUNNEL, step=3, outcome="dropped", now=NOW
    ),
    "paths_next": lambda db: next_steps(db, SYSTEM, QUARTER, activity="lesson", max_sessions=None),
    "paths_previous": lambda db: next_steps(
        db, SYSTEM, QUARTER, activity="exercise", direction="previous", max_sessions=None
    ),
    "path_lengths": lambda db: path_lengths(db, SYSTEM, QUARTER),
    "performance_over_time": lambda db: performance_over_time(
        db, SYSTEM, WEEKLY, breakdown="country", today=TODAY
    ),
    "performance_movers": lambda db: performance_movers(db, SYSTEM, QUARTER, min_activity=2),
    "peer_percentiles": lambda db: peer_percentiles(db, SYSTEM, USER, QUARTER, peer_group="country"),
    "self_comparison": lambda db: self_comparison(db, SYSTEM, USER, QUARTER),
    "compare_users": lambda db: compare_users(db, SYSTEM, [USER, "u000011", "u000012"], QUARTER),
    "product_insights": lambda db: product_insights(db, SYSTEM, QUARTER),
    "personal_insights": lambda db: personal_insights(db, SYSTEM, USER, QUARTER),
    "behaviour_correlations": lambda db: behaviour_correlations(db, SYSTEM, QUARTER, today=TODAY),
    "metric_correlations": lambda db: metric_correlations(db, SYSTEM, QUARTER),
    "behaviour_segments": lambda db: behaviour_segments(
        db, SYSTEM, QUARTER, k_range=range(2, 5), today=TODAY
    ),
    "weekly_activity": lambda db: weekly_activity(db, SYSTEM, USER, as_of=date(2025, 6, 30)),
    "achievements": lambda db: user_achievements(db, SYSTEM, USER, as_of=date(2025, 6, 30)),
    "user_features": lambda db: user_features(db, as_of=date(2025, 5, 31)),
    "user_outcomes": lambda db: user_outcomes(db, as_of=date(2025, 5, 31), days=30),
    **{
        f"metric_{spec}": (
            lambda db, spec=spec: metric_series(db, SYSTEM, parse_metric(spec), WEEKLY, today=TODAY)
        )
        for spec in (*COMMON_METRICS, "avg:duration_s")
    },
}


@pytest.mark.parametrize("name", list(CASES))
def test_spark_gives_duckdbs_answer(name: str, duck: Database, spark: Database) -> None:
    on_duckdb = CASES[name](duck)
    on_spark = CASES[name](spark)
    assert_same(on_spark, on_duckdb, name)


def test_spark_really_ran_the_queries(spark: Database) -> None:
    """A read of analytic tables goes to Spark, not DuckDB: a view only Spark has proves it."""
    session = spark.engine._session
    assert session is not None
    assert spark.query("SELECT count(*) AS n FROM events")["n"].iloc[0] == session.table("events").count()


def assert_same(actual: Any, expected: Any, where: str) -> None:
    """Compare results of any shape an analytics function returns."""
    if isinstance(expected, pd.DataFrame):
        _same_frames(actual, expected, where)
    elif isinstance(expected, pd.Series):
        _same_frames(actual.to_frame(), expected.to_frame(), where)
    elif dataclasses.is_dataclass(expected):
        for field in dataclasses.fields(expected):
            assert_same(getattr(actual, field.name), getattr(expected, field.name), f"{where}.{field.name}")
    elif isinstance(expected, dict):
        assert actual.keys() == expected.keys(), where
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected), where
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            assert_same(left, right, f"{where}[{index}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-9, nan_ok=True), where
    else:
        assert actual == expected, where


def _same_frames(actual: pd.DataFrame, expected: pd.DataFrame, where: str) -> None:
    assert list(actual.columns) == list(expected.columns), where
    assert len(actual) == len(expected), f"{where}: {len(actual)} rows on Spark, {len(expected)} on DuckDB"
    pd.testing.assert_frame_equal(_normal(actual), _normal(expected), check_dtype=False, rtol=1e-9, obj=where)


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Values in one representation per kind (engines differ in integer widths and date types)."""
    frame = frame.reset_index(drop=True).copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            frame[column] = pd.to_datetime(values).dt.tz_localize(None) if values.dt.tz else values
        elif values.dtype == object and values.map(lambda v: isinstance(v, date)).any():
            frame[column] = pd.to_datetime(values)
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
            frame[column] = values.astype("float64") if values.isna().any() else values.astype("int64")
        elif pd.api.types.is_string_dtype(values) and not values.map(lambda v: isinstance(v, list)).any():
            frame[column] = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_float_dtype(values):
            frame[column] = values.astype("float64").replace([np.inf, -np.inf], np.nan)
    order = sorted(range(len(frame)), key=lambda row: tuple(str(v) for v in frame.iloc[row]))
    return frame.iloc[order].reset_index(drop=True)


def test_churn_scores_computed_on_spark_executors_match(duck: Database, spark: Database) -> None:
    """Per-user scoring runs as grouped pandas UDFs on Spark and gives the same scores, in the same order."""
    from analytics.predict.churn import churn_scores

    on_duckdb, quality = churn_scores(duck, SYSTEM, as_of=date(2025, 5, 31))
    on_spark, spark_quality = churn_scores(spark, SYSTEM, as_of=date(2025, 5, 31))
    assert spark_quality.model.roc_auc == pytest.approx(quality.model.roc_auc, rel=1e-9)
    assert_same(on_spark, on_duckdb, "churn_scores")


def test_forecasts_per_segment_fitted_on_spark_executors_match(duck: Database, spark: Database) -> None:
    """Many-series Prophet: one fit per country as grouped pandas UDFs, the same forecasts as here."""
    from analytics.forecast.by_segment import forecast_by_segment

    options = {"by": "country", "top_n": 4, "horizon_days": 14, "today": TODAY}
    on_duckdb = forecast_by_segment(duck, SYSTEM, parse_metric("active_users"), QUARTER, **options)
    on_spark = forecast_by_segment(spark, SYSTEM, parse_metric("active_users"), QUARTER, **options)
    assert on_duckdb["segment"].nunique() == 4 and on_duckdb["problem"].isna().all()
    assert_same(on_spark, on_duckdb, "forecast_by_segment")


def test_health_names_the_engine_and_counts_the_files_own_tables(duck: Database, spark: Database) -> None:
    from analytics.health import health_report

    on_duckdb, on_spark = health_report(duck, SYSTEM), health_report(spark, SYSTEM)
    assert on_duckdb.details["analytic_engine"] == "DuckDB (this database file)"
    assert on_spark.details["analytic_engine"].startswith("Spark local[2] over the lake ")
    assert on_spark.details["row_counts"] == on_duckdb.details["row_counts"]
    assert on_spark.newest_event_at == on_duckdb.newest_event_at
