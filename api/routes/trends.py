"""GET /analytics/trends: a metric per period with anomalies and a forecast, or one user against their past."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from analytics.anomalies import METHODS, detect_anomalies
from analytics.db import Database
from analytics.filters import Filters
from analytics.forecast import forecast
from analytics.metrics import METRIC_HELP, MetricSpec, metric_series, parse_metric
from analytics.peers import self_comparison
from analytics.viewer import Viewer
from api.deps import DatabaseDep, ViewerDep
from api.models import AnomalyPoint, Forecast, ForecastPoint, Period, ProductTrends, SeriesPoint, rows
from api.params import FiltersDep, UserIdQuery, answer, refuse_filters
from api.user_models import HistoryComparison, UserTrends

router = APIRouter(tags=["dashboards"])
MAX_FORECAST_DAYS = 365
MAX_HISTORY_PERIODS = 12
UserIdPath = Annotated[str, Path(description="The user's id; members may name only their own.")]
TrendsAnswer = Annotated[ProductTrends | UserTrends, Field(discriminator="scope")]


def _trends(
    db: Database,
    viewer: Viewer,
    request: Request,
    filters: Filters,
    user_id: str | None,
    options: TrendOptions,
) -> ProductTrends | UserTrends:
    def product() -> ProductTrends:
        refuse_filters(filters, segment=True, endpoint="GET /analytics/trends")
        spec = parse_metric(options.metric)
        return ProductTrends(
            period=Period.of(filters),
            metric=spec.text,
            series=rows(metric_series(db, viewer, spec, filters), SeriesPoint),
            anomalies=rows(detect_anomalies(db, viewer, spec, filters, method=options.method), AnomalyPoint),
            forecast=_forecast(db, viewer, spec, filters, options.horizon_days)
            if options.horizon_days
            else None,
        )

    def user(who: str) -> UserTrends:
        found = self_comparison(db, viewer, who, filters, periods=options.history_periods)
        return UserTrends(
            user_id=who,
            period=Period.of(filters),
            history_periods=options.history_periods,
            metrics=rows(found, HistoryComparison),
        )

    return answer(db, viewer, request, user_id, product=product, user=user, key=("trends", filters, options))


@dataclass(frozen=True)
class TrendOptions:
    """The trend endpoints' own query parameters."""

    metric: str
    method: str
    horizon_days: int
    history_periods: int


def trend_options(
    metric: Annotated[str, Query(description=f"Product: the metric. {METRIC_HELP}")] = "active_users",
    method: Annotated[str, Query(description=f"Product: anomaly detection, {', '.join(METHODS)}.")] = "auto",
    horizon_days: Annotated[
        int, Query(ge=0, le=MAX_FORECAST_DAYS, description="Product: days to forecast (Prophet); 0: none.")
    ] = 0,
    history_periods: Annotated[
        int, Query(ge=1, le=MAX_HISTORY_PERIODS, description="User: previous equal periods to compare with.")
    ] = 4,
) -> TrendOptions:
    return TrendOptions(metric, method, horizon_days, history_periods)


TrendOptionsDep = Annotated[TrendOptions, Depends(trend_options)]


@router.get("/analytics/trends", response_model=TrendsAnswer)
def get_trends(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    options: TrendOptionsDep,
    user_id: UserIdQuery = None,
) -> ProductTrends | UserTrends:
    """Product: a metric per period, anomalies, optional forecast. User: the period against their history."""
    return _trends(db, viewer, request, filters, user_id, options)


@router.get("/analytics/trends/{user_id}", response_model=UserTrends)
def get_user_trends(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    options: TrendOptionsDep,
    user_id: UserIdPath,
) -> UserTrends:
    """The user's metrics over the period against the mean of their previous equal periods."""
    return _trends(db, viewer, request, filters, user_id, options)


def _forecast(
    db: Database, viewer: Viewer, spec: MetricSpec, filters: Filters, horizon_days: int
) -> Forecast:
    found = forecast(db, viewer, spec, filters, horizon_days=horizon_days)
    return Forecast(
        model=found.model, trend=found.trend, note=found.note, points=rows(found.forecast, ForecastPoint)
    )
