"""Typed response bodies of the analytics endpoints, and the conversion of analytics frames into them.

Each model mirrors the columns an analytics function documents; `rows(frame, Model)` turns a frame
into models (NaN and NaT become null). Product-wide and one-user answers of the same path carry
`scope` ("product" or "user") so clients can tell them apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from analytics.filters import Filters

Model = TypeVar("Model", bound=BaseModel)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as plain dicts: missing values None, arrays as lists."""
    plain = frame.astype(object).where(frame.notna(), None)
    rows = plain.to_dict("records")
    for row in rows:
        for name, value in row.items():
            if isinstance(value, np.ndarray):
                row[name] = value.tolist()
    return rows


def rows(frame: pd.DataFrame, model: type[Model]) -> list[Model]:
    """One `model` per row of `frame` (extra columns are ignored)."""
    return [model.model_validate(row) for row in records(frame)]


class Period(BaseModel):
    """The filters an answer was computed for."""

    start: date
    end: date
    grain: str
    segment: dict[str, str]
    activity_types: list[str]

    @classmethod
    def of(cls, filters: Filters) -> Period:
        return cls(
            start=filters.start,
            end=filters.end,
            grain=filters.grain,
            segment=dict(filters.segment),
            activity_types=list(filters.activity_types),
        )


class Kpi(BaseModel):
    metric: str = Field(
        description="dau, wau, mau, stickiness_pct, active_users, new_users, sessions or events (docs/metrics.md)."
    )
    value: float
    previous: float = Field(description="The same figure over the equally long period before.")
    change_pct: float | None


class DailyActiveUsers(BaseModel):
    day: date
    active_users: int


class ProductOverview(BaseModel):
    """Headline figures against the previous period, and daily active users (the Overview page)."""

    scope: Literal["product"] = "product"
    period: Period
    kpis: list[Kpi]
    daily_active_users: list[DailyActiveUsers]


class SessionTrend(BaseModel):
    period: date
    sessions: int
    users: int
    mean_duration_s: float | None
    median_duration_s: float | None
    mean_events: float | None
    bounce_rate: float | None
    quality_rate: float | None
    complete: bool


class HistogramBin(BaseModel):
    label: str
    lower: int
    sessions: int


class HeatmapCell(BaseModel):
    weekday: int = Field(description="0 = Monday .. 6 = Sunday.")
    weekday_name: str
    hour: int = Field(description="0..23 in the reporting time zone.")
    sessions: int
    events: int
    users: int


class SessionSummary(BaseModel):
    sessions: int
    users: int
    median_duration_s: float | None
    mean_duration_s: float | None
    mean_events: float | None
    mean_features: float | None
    bounce_rate: float | None
    quality_rate: float | None
    duration_histogram: list[HistogramBin]
    events_histogram: list[HistogramBin]
    features_histogram: list[HistogramBin]
    trend: list[SessionTrend]


class ConsistencyFigures(BaseModel):
    users: int
    median_share_weeks_active: float | None
    median_longest_streak_days: float | None
    median_regularity: float | None
    users_on_streak: int


class ProductBehaviour(BaseModel):
    """Sessions, the weekday × hour heatmap and consistency (the Behaviour page)."""

    scope: Literal["product"] = "product"
    period: Period
    sessions: SessionSummary
    heatmap: list[HeatmapCell]
    consistency: ConsistencyFigures


class PerformancePoint(BaseModel):
    period: date
    segment: str
    metric: str
    value: float | None
    p25: float | None
    median: float | None
    p75: float | None
    users: int
    complete: bool


class PerformanceTrend(BaseModel):
    segment: str
    metric: str
    direction: str
    assessment: str
    slope_per_period: float | None
    change_pct: float | None
    p_value: float | None
    periods: int


class ProductPerformance(BaseModel):
    """Accuracy, speed, completion, efficiency and skill per period, with trend words (the Performance page)."""

    scope: Literal["product"] = "product"
    period: Period
    breakdown: str | None
    over_time: list[PerformancePoint]
    trends: list[PerformanceTrend]


class DauMau(BaseModel):
    day: date
    dau: int
    mau: int
    stickiness_pct: float | None
    complete: bool


class LifecycleCount(BaseModel):
    period: date
    status: str
    users: int = Field(description="Dormant users are negative, as the chart draws them.")
    complete: bool


class StickinessRow(BaseModel):
    active_days: int
    users: int
    share_pct: float


class EngagementBand(BaseModel):
    band: str
    score_from: int
    users: int
    share_pct: float


class RetentionPoint(BaseModel):
    period_number: int
    cohorts: int
    cohort_size: int
    retained_users: int
    retention_pct: float | None


class ProductEngagement(BaseModel):
    """DAU/MAU, lifecycle, weekly stickiness, engagement bands and average retention (the Engagement page)."""

    scope: Literal["product"] = "product"
    period: Period
    dau_mau: list[DauMau]
    lifecycle: list[LifecycleCount]
    stickiness: list[StickinessRow]
    engagement_bands: list[EngagementBand]
    retention: list[RetentionPoint]


class SeriesPoint(BaseModel):
    period: date
    value: float | None
    complete: bool


class AnomalyPoint(BaseModel):
    date: date
    value: float | None
    expected: float | None
    lower: float | None
    upper: float | None
    is_anomaly: bool
    score: float | None


class ForecastPoint(BaseModel):
    date: date
    yhat: float
    yhat_lower: float
    yhat_upper: float


class Forecast(BaseModel):
    model: str = Field(description="prophet, seasonal_naive (Prophet lost the backtest) or constant.")
    trend: str
    note: str
    points: list[ForecastPoint]


class ProductTrends(BaseModel):
    """One metric per period, each complete period judged for anomalies, and optionally a forecast."""

    scope: Literal["product"] = "product"
    period: Period
    metric: str
    series: list[SeriesPoint]
    anomalies: list[AnomalyPoint]
    forecast: Forecast | None


class Prediction(BaseModel):
    prediction_id: str
    user_id: str
    prediction_type: str
    prediction_data: dict[str, Any]
    confidence_score: float | None
    horizon_days: int | None
    model_version: str
    as_of: date
    created_at: datetime


class Recommendation(BaseModel):
    recommendation_id: str
    user_id: str
    recommendation_type: str
    item: str
    reason: str
    priority_score: float
    actionable_items: list[str]
    status: str
    model_version: str
    created_at: datetime
    status_changed_at: datetime | None


class GeneratedRecommendation(BaseModel):
    recommendation_id: str
    user_id: str
    rank: int
    recommendation_type: str
    item: str
    score: float
    reason: str
    actionable_items: list[str]


class Insight(BaseModel):
    text: str
    value: float | None
    baseline: float | None
    effect: float | None
    p_value: float | None
    score: float
    kind: str
    link: str = Field(description="The page (and query string) that shows the evidence.")


class RiskyUser(BaseModel):
    user_id: str
    churn_probability: float
    risk_band: str
    reasons: str
    as_of: date


class DataSpan(BaseModel):
    first_day: date
    last_day: date


class PredictionRun(BaseModel):
    as_of: date
    created_at: datetime


class ProductSummary(BaseModel):
    """The headline numbers: data span, KPIs, engagement bands and the latest prediction run."""

    scope: Literal["product"] = "product"
    period: Period
    data_span: DataSpan | None
    kpis: list[Kpi]
    engagement_bands: list[EngagementBand]
    prediction_run: PredictionRun | None


class ProductDashboard(BaseModel):
    """Everything a home dashboard draws, in one call."""

    scope: Literal["product"] = "product"
    period: Period
    kpis: list[Kpi]
    daily_active_users: list[DailyActiveUsers]
    dau_mau: list[DauMau]
    engagement_bands: list[EngagementBand]
    insights: list[Insight]
    riskiest_users: list[RiskyUser]


class ComparedUser(BaseModel):
    user_id: str
    display_name: str | None
    plan: str | None
    country: str | None
    active_days: float | None
    active_day_share: float | None
    sessions: float | None
    accuracy: float | None
    speed_s: float | None
    completion_rate: float | None
    skill_level: float | None
    engagement_score: float | None


class Comparison(BaseModel):
    period: Period
    users: list[ComparedUser]


class PerMinute(BaseModel):
    minute: datetime = Field(description="Start of the minute, UTC.")
    events: int


class FeedEvent(BaseModel):
    timestamp: datetime
    event_id: str
    user_id: str
    activity_type: str
    session_id: str | None
    ingested_at: datetime


class Realtime(BaseModel):
    """The last hour: product-wide for roles that may see other users, one's own events for members."""

    now: datetime
    user_id: str | None = Field(description="The member whose events these are; null for the whole product.")
    events_5m: int
    events_60m: int
    active_users_5m: int
    active_users_60m: int
    per_minute: list[PerMinute]
    feed: list[FeedEvent]
    newest_ingested_at: datetime | None
    ingestion_lag_s: float | None = Field(description="now − the newest event's ingested_at.")
    event_delay_p50_s: float | None = Field(
        description="Median ingested_at − timestamp over the last 5 minutes."
    )
