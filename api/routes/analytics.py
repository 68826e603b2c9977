"""GET /analytics, /analytics/summary, /analytics/dashboard and /analytics/{user_id}: headline figures.

Without a user id these describe the whole product (roles that may see other users) or the member
asking; with one (path segment or ?user_id=) they describe that user.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import Field

from analytics.db import Database
from analytics.engagement import band_counts, dau_mau, engagement_distribution
from analytics.filters import Filters
from analytics.insights import personal_insights, product_insights
from analytics.overview import daily_active_users, data_days, overview_kpis
from analytics.predict import churn_risk_list, read_predictions, read_quality
from analytics.recommend import read_recommendations
from analytics.users import peer_summary, user_activity, user_profile
from analytics.viewer import Viewer
from api.deps import DatabaseDep, ViewerDep
from api.models import (
    DailyActiveUsers,
    DataSpan,
    DauMau,
    EngagementBand,
    Insight,
    Kpi,
    Period,
    Prediction,
    PredictionRun,
    ProductDashboard,
    ProductOverview,
    ProductSummary,
    Recommendation,
    RiskyUser,
    rows,
)
from api.params import API_SOURCE, FiltersDep, UserIdQuery, answer, refuse_filters
from api.user_models import DailyActivity, PeerFigure, UserDashboard, UserOverview, UserProfile, UserSummary

router = APIRouter(tags=["overview"])
user_router = APIRouter(tags=["overview"])
"""GET /analytics/{user_id}: included after every other /analytics/NAME route, which it would shadow."""
UserIdPath = Annotated[str, Path(description="The user's id; members may name only their own.")]
DASHBOARD_INSIGHTS = 5
DASHBOARD_RISKIEST = 10
SUMMARY_INSIGHTS = 3
OverviewAnswer = Annotated[ProductOverview | UserOverview, Field(discriminator="scope")]
SummaryAnswer = Annotated[ProductSummary | UserSummary, Field(discriminator="scope")]
DashboardAnswer = Annotated[ProductDashboard | UserDashboard, Field(discriminator="scope")]


def _kpis(db: Database, viewer: Viewer, filters: Filters) -> list[Kpi]:
    return rows(overview_kpis(db, viewer, filters), Kpi)


def _profile(db: Database, viewer: Viewer, user_id: str) -> UserProfile:
    found = user_profile(db, viewer, user_id, source=API_SOURCE)
    return UserProfile.model_validate(found, from_attributes=True)


def _insights(found: list) -> list[Insight]:
    return [Insight.model_validate(insight.to_dict()) for insight in found]


def _overview(
    db: Database, viewer: Viewer, request: Request, filters: Filters, user_id: str | None
) -> ProductOverview | UserOverview:
    def product() -> ProductOverview:
        refuse_filters(filters, endpoint="GET /analytics")
        return ProductOverview(
            period=Period.of(filters),
            kpis=_kpis(db, viewer, filters),
            daily_active_users=rows(daily_active_users(db, viewer, filters), DailyActiveUsers),
        )

    def user(who: str) -> UserOverview:
        return UserOverview(
            user_id=who,
            period=Period.of(filters),
            profile=_profile(db, viewer, who),
            activity=rows(user_activity(db, viewer, who, filters, source=API_SOURCE), DailyActivity),
        )

    return answer(
        db, viewer, request, user_id, product=product, user=user, key=("overview", filters), user_audited=True
    )


@router.get("/analytics", response_model=OverviewAnswer)
def get_overview(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, user_id: UserIdQuery = None
) -> ProductOverview | UserOverview:
    """Product: KPIs against the previous period and daily active users. User: profile and daily activity."""
    return _overview(db, viewer, request, filters, user_id)


def _summary(
    db: Database, viewer: Viewer, request: Request, filters: Filters, user_id: str | None
) -> ProductSummary | UserSummary:
    def product() -> ProductSummary:
        refuse_filters(filters, endpoint="GET /analytics/summary")
        span = data_days(db, viewer)
        quality = read_quality(db, viewer)
        return ProductSummary(
            period=Period.of(filters),
            data_span=None if span is None else DataSpan(first_day=span[0], last_day=span[1]),
            kpis=_kpis(db, viewer, filters),
            engagement_bands=rows(band_counts(engagement_distribution(db, viewer, filters)), EngagementBand),
            prediction_run=None if quality is None else PredictionRun.model_validate(quality),
        )

    def user(who: str) -> UserSummary:
        return UserSummary(
            user_id=who,
            period=Period.of(filters),
            profile=_profile(db, viewer, who),
            predictions=rows(read_predictions(db, viewer, user_id=who), Prediction),
            insights=_insights(personal_insights(db, viewer, who, filters, max_items=SUMMARY_INSIGHTS)),
        )

    return answer(
        db, viewer, request, user_id, product=product, user=user, key=("summary", filters), user_audited=True
    )


@router.get("/analytics/summary", response_model=SummaryAnswer)
def get_summary(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, user_id: UserIdQuery = None
) -> ProductSummary | UserSummary:
    """Product: data span, KPIs, engagement bands, latest prediction run. User: profile, predictions, insights."""
    return _summary(db, viewer, request, filters, user_id)


@router.get("/analytics/summary/{user_id}", response_model=UserSummary)
def get_user_summary(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, user_id: UserIdPath
) -> UserSummary:
    """One user's profile, latest predictions and three best insights."""
    return _summary(db, viewer, request, filters, user_id)


def _dashboard(
    db: Database, viewer: Viewer, request: Request, filters: Filters, user_id: str | None
) -> ProductDashboard | UserDashboard:
    def product() -> ProductDashboard:
        refuse_filters(filters, endpoint="GET /analytics/dashboard")
        return ProductDashboard(
            period=Period.of(filters),
            kpis=_kpis(db, viewer, filters),
            daily_active_users=rows(daily_active_users(db, viewer, filters), DailyActiveUsers),
            dau_mau=rows(dau_mau(db, viewer, filters), DauMau),
            engagement_bands=rows(band_counts(engagement_distribution(db, viewer, filters)), EngagementBand),
            insights=_insights(product_insights(db, viewer, filters, max_items=DASHBOARD_INSIGHTS)),
            riskiest_users=rows(churn_risk_list(db, viewer).head(DASHBOARD_RISKIEST), RiskyUser),
        )

    def user(who: str) -> UserDashboard:
        return UserDashboard(
            user_id=who,
            period=Period.of(filters),
            profile=_profile(db, viewer, who),
            activity=rows(user_activity(db, viewer, who, filters, source=API_SOURCE), DailyActivity),
            peers=rows(peer_summary(db, viewer, who, filters, source=API_SOURCE), PeerFigure),
            predictions=rows(read_predictions(db, viewer, user_id=who), Prediction),
            recommendations=rows(
                read_recommendations(db, viewer, user_id=who, status="open"), Recommendation
            ),
            insights=_insights(personal_insights(db, viewer, who, filters, max_items=DASHBOARD_INSIGHTS)),
        )

    return answer(
        db,
        viewer,
        request,
        user_id,
        product=product,
        user=user,
        key=("dashboard", filters),
        user_audited=True,
    )


@router.get("/analytics/dashboard", response_model=DashboardAnswer)
def get_dashboard(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, user_id: UserIdQuery = None
) -> ProductDashboard | UserDashboard:
    """Everything a home dashboard draws in one call, for the product or one user."""
    return _dashboard(db, viewer, request, filters, user_id)


@router.get("/analytics/dashboard/{user_id}", response_model=UserDashboard)
def get_user_dashboard(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, user_id: UserIdPath
) -> UserDashboard:
    """One user's profile, activity, peer comparison, predictions, open recommendations and insights."""
    return _dashboard(db, viewer, request, filters, user_id)


@user_router.get("/analytics/{user_id}", response_model=UserOverview)
def get_user_overview(
    db: DatabaseDep, viewer: ViewerDep, request: Request, filters: FiltersDep, user_id: UserIdPath
) -> UserOverview:
    """One user's profile (lifetime figures, engagement score) and events per day and type over the period."""
    return _overview(db, viewer, request, filters, user_id)
