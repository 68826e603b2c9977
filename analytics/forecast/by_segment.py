"""One forecast per segment value (a metric for each country, plan or platform), each with its backtest.

The per-segment histories come from the engine as one small table (segment, period, value); the fits run
through `analytics.groups.map_groups`: as grouped pandas UDFs on Spark's executors when that is the
backend, one after another in this process otherwise. Each fit is `forecast_series`, so every segment
gets the same model choice (Prophet or the seasonal-naive baseline, whichever backtests better).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pandas as pd

from analytics.db import Database
from analytics.errors import AnalyticsError
from analytics.filters import USER_COLUMNS, Filters
from analytics.forecast.forecaster import forecast_series
from analytics.groups import map_groups
from analytics.metrics.series import metric_series
from analytics.metrics.spec import MetricSpec
from analytics.schema import USERS, analysable
from analytics.viewer import Viewer
from config.permissions import Permission

MAX_SEGMENTS = 50
FORECAST_SCHEMA = (
    "segment string, date timestamp, yhat double, yhat_lower double, yhat_upper double, "
    "model string, prophet_mape double, baseline_mape double, problem string"
)
"""One row per segment and forecast period; `problem` says why a segment got no forecast (else null)."""
COLUMNS = [column.split()[0] for column in FORECAST_SCHEMA.split(", ")]


def forecast_by_segment(
    db: Database,
    viewer: Viewer,
    spec: MetricSpec,
    filters: Filters,
    *,
    by: str,
    top_n: int = 10,
    horizon_days: int = 30,
    interval: float = 0.8,
    today: date | None = None,
) -> pd.DataFrame:
    """Forecast `spec` for each of the `top_n` largest values of `by` (plan, country or platform).

    Columns as FORECAST_SCHEMA, largest segment first, then by date. A segment whose history is too
    short to forecast gets one row with `problem` saying so instead.
    """
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    if by not in USER_COLUMNS:
        raise AnalyticsError(f"The 'by' option must be one of {', '.join(USER_COLUMNS)}. Got {by!r}.")
    if isinstance(top_n, bool) or not isinstance(top_n, int) or not 1 <= top_n <= MAX_SEGMENTS:
        raise AnalyticsError(f"The 'top_n' option must be an int in [1, {MAX_SEGMENTS}]. Got {top_n!r}.")
    segments = _largest_values(db, by, top_n)
    histories = []
    for value in segments:
        scoped = replace(filters, segment=(*filters.segment, (by, value)))
        series = metric_series(db, viewer, spec, scoped, today=today)
        series = series[series["complete"]]
        histories.append(pd.DataFrame({"segment": value, "ds": series["period"], "y": series["value"]}))
    if not histories:
        return pd.DataFrame(columns=COLUMNS)
    fit = _fitter(filters.grain, horizon_days, interval, spec.is_count)
    found = map_groups(db, pd.concat(histories, ignore_index=True), "segment", fit, FORECAST_SCHEMA)
    found["rank"] = found["segment"].map({value: position for position, value in enumerate(segments)})
    return found.sort_values(["rank", "date"]).drop(columns="rank").reset_index(drop=True)


def _largest_values(db: Database, by: str, top_n: int) -> list[str]:
    """The `top_n` values of user column `by` with the most (analysable) users, ties by value."""
    users = analysable(USERS)
    users = users.filter(users[by].notnull())
    counted = users.group_by(value=users[by]).aggregate(users=users.count())
    found = db.run(counted.order_by([counted.users.desc(), counted.value]).limit(top_n))
    return [str(value) for value in found["value"]]


def _fitter(
    grain: str, horizon_days: int, interval: float, non_negative: bool
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The per-segment function: a forecast_series fit, as rows of FORECAST_SCHEMA (runs on executors too)."""

    def fit(history: pd.DataFrame) -> pd.DataFrame:
        logging.getLogger("cmdstanpy").disabled = True
        segment = str(history["segment"].iloc[0])
        try:
            result = forecast_series(
                history.sort_values("ds"),
                grain=grain,
                horizon_days=horizon_days,
                interval=interval,
                non_negative=non_negative,
            )
        except AnalyticsError as exc:
            return pd.DataFrame([{"segment": segment, "problem": str(exc)}]).reindex(columns=COLUMNS)
        tested = result.backtest
        rows = result.forecast[["date", "yhat", "yhat_lower", "yhat_upper"]].assign(
            segment=segment,
            model=result.model,
            prophet_mape=tested.score("prophet", "mape") if tested else None,
            baseline_mape=tested.score("seasonal_naive", "mape") if tested else None,
            problem=None,
        )
        return rows.reindex(columns=COLUMNS)

    return fit
