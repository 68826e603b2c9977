"""GET /analytics/behavior, /performance, /engagement and /trends, for the product or one user.

Product-wide answers are what the page of the same name draws, computed by the same analytics
functions for the request's filters and cached per role, filters and data version. One user's answers
come from analytics.users and analytics.peers.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from analytics.behaviour import activity_heatmap, consistency, consistency_summary, session_stats
from analytics.db import Database
from analytics.engagement import (
    band_counts,
    dau_mau,
    engagement_distribution,
    lifecycle,
    retention_average,
    retention_matrix,
    stickiness,
)
from analytics.filters import Filters
from analytics.peers import PEER_GROUPS as PERCENTILE_PEER_GROUPS
from analytics.peers import peer_percentiles
from analytics.performance import BREAKDOWN_KEYS, performance_over_time, performance_trends
from analytics.users import PEER_GROUPS as SUMMARY_PEER_GROUPS
from analytics.users import peer_summary, user_profile, user_timeline
from analytics.viewer import Viewer
from api.deps import DatabaseDep, ViewerDep
from api.models import (
    ConsistencyFigures,
    DauMau,
    EngagementBand,
    HeatmapCell,
    HistogramBin,
    LifecycleCount,
    PerformancePoint,
    PerformanceTrend,
    Period,
    ProductBehaviour,
    ProductEngagement,
    ProductPerformance,
    ProductTrends,
    RetentionPoint,
    SessionSummary,
    SessionTrend,
    StickinessRow,
    rows,
)
from api.params import API_SOURCE, FiltersDep, UserIdQuery, answer, refuse_filters
from api.user_models import (
    PeerFigure,
    PeerPercentile,
    TimelineEvent,
    TimelineSession,
    UserBehaviour,
    UserEngagement,
    UserPerformance,
    UserTrends,
)

router = APIRouter(tags=["dashboards"])
MAX_FORECAST_DAYS = 365
MAX_HISTORY_PERIODS = 12
UserIdPath = Annotated[str, Path(description="The user's id; members may name only their own.")]
SessionPageQuery = Annotated[
    int, Query(ge=1, description="User: page of the session timeline (20 sessions).")
]
BehaviourAnswer = Annotated[ProductBehaviour | UserBehaviour, Field(discriminator="scope")]
PerformanceAnswer = Annotated[ProductPerformance | UserPerformance, Field(discriminator="scope")]
EngagementAnswer = Annotated[ProductEngagement | UserEngagement, Field(discriminator="scope")]
TrendsAnswer = Annotated[ProductTrends | UserTrends, Field(discriminator="scope")]


def _behaviour(
    db: Database, viewer: Viewer, request: Request, filters: Filters, user_id: str | None, page: int
) -> ProductBehaviour | UserBehaviour:
    def product() -> ProductBehaviour:
        stats = session_stats(db, viewer, filters)
        steadiness = consistency_summary(consistency(db, viewer, filters))
        return ProductBehaviour(
            period=Period.of(filters),
            sessions=SessionSummary(
                sessions=stats.sessions,
                users=stats.users,
                median_duration_s=stats.median_duration_s,
                mean_duration_s=stats.mean_duration_s,
                mean_events=stats.mean_events,
                mean_features=stats.mean_features,
                bounce_rate=stats.bounce_rate,
                quality_rate=stats.quality_rate,
                duration_histogram=_bins(stats.duration_histogram),
                events_histogram=_bins(stats.events_histogram),
                features_histogram=_bins(stats.features_histogram),
                trend=rows(stats.trend, SessionTrend),
            ),
            heatmap=rows(activity_heatmap(db, viewer, filters), HeatmapCell),
            consistency=ConsistencyFigures.model_validate(steadiness, from_attributes=True),
        )

    def user(who: str) -> UserBehaviour:
        timeline = user_timeline(db, viewer, who, filters, page=page, source=API_SOURCE)
        return UserBehaviour(
            user_id=who,
            period=Period.of(filters),
            sessions=rows(timeline.sessions, TimelineSession),
            events=rows(timeline.events, TimelineEvent),
            total_sessions=timeline.total_sessions,
            page=timeline.page,
            pages=timeline.pages,
        )

    return answer(
        db, viewer, request, user_id, product=product, user=user, key=("behavior", filters), user_audited=True
    )


@router.get("/analytics/behavior", response_model=BehaviourAnswer)
def get_behaviour(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    user_id: UserIdQuery = None,
    page: SessionPageQuery = 1,
) -> ProductBehaviour | UserBehaviour:
    """Product: sessions (figures, histograms, trend), weekday × hour heatmap, consistency. User: timeline."""
    return _behaviour(db, viewer, request, filters, user_id, page)


@router.get("/analytics/behavior/{user_id}", response_model=UserBehaviour)
def get_user_behaviour(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    user_id: UserIdPath,
    page: SessionPageQuery = 1,
) -> UserBehaviour:
    """One page (20 sessions, newest first) of the user's sessions in the period, with their events."""
    return _behaviour(db, viewer, request, filters, user_id, page)


def _bins(histogram: pd.DataFrame) -> list[HistogramBin]:
    """A session histogram whose first column is its label."""
    return rows(histogram.rename(columns={histogram.columns[0]: "label"}), HistogramBin)


def _performance(
    db: Database,
    viewer: Viewer,
    request: Request,
    filters: Filters,
    user_id: str | None,
    breakdown: str | None,
    peer_group: str | None,
) -> ProductPerformance | UserPerformance:
    def product() -> ProductPerformance:
        refuse_filters(filters, segment=True, endpoint="GET /analytics/performance")
        over_time = performance_over_time(db, viewer, filters, breakdown=breakdown)
        return ProductPerformance(
            period=Period.of(filters),
            breakdown=breakdown,
            over_time=rows(over_time, PerformancePoint),
            trends=rows(performance_trends(over_time), PerformanceTrend),
        )

    def user(who: str) -> UserPerformance:
        group = peer_group or "all"
        found = peer_summary(db, viewer, who, filters, peer_group=group, source=API_SOURCE)
        return UserPerformance(
            user_id=who, period=Period.of(filters), peer_group=group, metrics=rows(found, PeerFigure)
        )

    return answer(
        db,
        viewer,
        request,
        user_id,
        product=product,
        user=user,
        key=("performance", filters, breakdown),
        user_audited=True,
    )


BreakdownQuery = Annotated[
    str | None,
    Query(description=f"Product: split by one of {', '.join(BREAKDOWN_KEYS)} (the six largest groups)."),
]
SummaryPeersQuery = Annotated[
    str | None, Query(description=f"User: compare with {', '.join(SUMMARY_PEER_GROUPS)} (default all).")
]


@router.get("/analytics/performance", response_model=PerformanceAnswer)
def get_performance(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    user_id: UserIdQuery = None,
    breakdown: BreakdownQuery = None,
    peer_group: SummaryPeersQuery = None,
) -> ProductPerformance | UserPerformance:
    """Product: accuracy, speed, completion, efficiency, skill per period with trend words. User: vs peers."""
    return _performance(db, viewer, request, filters, user_id, breakdown, peer_group)


@router.get("/analytics/performance/{user_id}", response_model=UserPerformance)
def get_user_performance(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    user_id: UserIdPath,
    peer_group: SummaryPeersQuery = None,
) -> UserPerformance:
    """The user's activity and performance metrics over the period against their peers' quartiles."""
    return _performance(db, viewer, request, filters, user_id, None, peer_group)


def _engagement(
    db: Database,
    viewer: Viewer,
    request: Request,
    filters: Filters,
    user_id: str | None,
    peer_group: str | None,
) -> ProductEngagement | UserEngagement:
    def product() -> ProductEngagement:
        return ProductEngagement(
            period=Period.of(filters),
            dau_mau=rows(dau_mau(db, viewer, filters), DauMau),
            lifecycle=rows(lifecycle(db, viewer, filters), LifecycleCount),
            stickiness=rows(
                stickiness(db, viewer, filters, period="month" if filters.grain == "month" else "week"),
                StickinessRow,
            ),
            engagement_bands=rows(band_counts(engagement_distribution(db, viewer, filters)), EngagementBand),
            retention=rows(
                retention_average(retention_matrix(db, viewer, filters, period=filters.grain)), RetentionPoint
            ),
        )

    def user(who: str) -> UserEngagement:
        profile = user_profile(db, viewer, who, as_of=filters.end, source=API_SOURCE)
        group = peer_group or "plan"
        return UserEngagement(
            user_id=who,
            period=Period.of(filters),
            engagement_score=profile.engagement_score,
            engagement_band=profile.engagement_band,
            score_as_of=profile.score_as_of,
            peer_group=group,
            percentiles=rows(peer_percentiles(db, viewer, who, filters, peer_group=group), PeerPercentile),
        )

    return answer(
        db,
        viewer,
        request,
        user_id,
        product=product,
        user=user,
        key=("engagement", filters),
        user_audited=True,
    )


PercentilePeersQuery = Annotated[
    str | None, Query(description=f"User: compare with {', '.join(PERCENTILE_PEER_GROUPS)} (default plan).")
]


@router.get("/analytics/engagement", response_model=EngagementAnswer)
def get_engagement(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    user_id: UserIdQuery = None,
    peer_group: PercentilePeersQuery = None,
) -> ProductEngagement | UserEngagement:
    """Product: DAU/MAU, lifecycle, stickiness, engagement bands, retention. User: score and percentiles."""
    return _engagement(db, viewer, request, filters, user_id, peer_group)


@router.get("/analytics/engagement/{user_id}", response_model=UserEngagement)
def get_user_engagement(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    filters: FiltersDep,
    user_id: UserIdPath,
    peer_group: PercentilePeersQuery = None,
) -> UserEngagement:
    """The user's engagement score on the period's last day, and their percentile on each metric among peers."""
    return _engagement(db, viewer, request, filters, user_id, peer_group)
