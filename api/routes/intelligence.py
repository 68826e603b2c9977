"""GET /analytics/predictions, /recommendations and /insights: stored model output and ranked insights.

Each is a paginated list, for the whole product or one user (path segment or ?user_id=); members see
only their own. Reading another user's list is audited.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request

from analytics.db import Database
from analytics.export.datasets import ExportRequest, build_dataset
from analytics.filters import Filters
from analytics.insights import personal_insights, product_insights
from analytics.predict import read_predictions
from analytics.predict.store import PREDICTION_TYPES
from analytics.recommend import STATUSES, read_recommendations
from analytics.viewer import Viewer
from api.deps import DatabaseDep, ViewerDep
from api.models import Insight, Prediction, Recommendation
from api.pagination import Page, PageDep, PageRequest
from api.params import FiltersDep, UserIdQuery, answer

router = APIRouter(tags=["intelligence"])
UserIdPath = Annotated[str, Path(description="The user's id; members may name only their own.")]
MAX_INSIGHTS = 50
PredictionType = Literal[PREDICTION_TYPES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
TypeQuery = Annotated[PredictionType | None, Query(description="Only predictions of this type.")]
StatusQuery = Annotated[Status | None, Query(description="Only recommendations with this status.")]
MaxItemsQuery = Annotated[int, Query(ge=1, le=MAX_INSIGHTS, description="Most insights to rank and return.")]


def _predictions(
    db: Database,
    viewer: Viewer,
    request: Request,
    page: PageRequest,
    user_id: str | None,
    prediction_type: str | None,
) -> Page[Prediction]:
    found = answer(
        db,
        viewer,
        request,
        user_id,
        product=lambda: read_predictions(db, viewer, prediction_type=prediction_type),
        user=lambda who: read_predictions(db, viewer, user_id=who, prediction_type=prediction_type),
        key=("predictions", prediction_type),
    )
    return page.frame_page(found, Prediction)


@router.get("/analytics/predictions", response_model=Page[Prediction])
def list_predictions(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    page: PageDep,
    user_id: UserIdQuery = None,
    prediction_type: TypeQuery = None,
) -> Page[Prediction]:
    """The latest run's predictions (churn, engagement, performance, skill), by type and user."""
    return _predictions(db, viewer, request, page, user_id, prediction_type)


@router.get("/analytics/predictions/{user_id}", response_model=Page[Prediction])
def list_user_predictions(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    page: PageDep,
    user_id: UserIdPath,
    prediction_type: TypeQuery = None,
) -> Page[Prediction]:
    """One user's latest predictions, one per type."""
    return _predictions(db, viewer, request, page, user_id, prediction_type)


def _recommendations(
    db: Database,
    viewer: Viewer,
    request: Request,
    page: PageRequest,
    user_id: str | None,
    status: str | None,
) -> Page[Recommendation]:
    def product() -> pd.DataFrame:
        stored, _ = build_dataset(db, viewer, ExportRequest("recommendations"))
        found = db.run(stored)
        return found if status is None else found[found["status"] == status].reset_index(drop=True)

    found = answer(
        db,
        viewer,
        request,
        user_id,
        product=product,
        user=lambda who: read_recommendations(db, viewer, user_id=who, status=status),
        key=("recommendations", status),
    )
    return page.frame_page(found, Recommendation)


@router.get("/analytics/recommendations", response_model=Page[Recommendation])
def list_recommendations(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    page: PageDep,
    user_id: UserIdQuery = None,
    status: StatusQuery = None,
) -> Page[Recommendation]:
    """Stored recommendations: one user's (open first, by priority) or everyone's (oldest first)."""
    return _recommendations(db, viewer, request, page, user_id, status)


@router.get("/analytics/recommendations/{user_id}", response_model=Page[Recommendation])
def list_user_recommendations(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    page: PageDep,
    user_id: UserIdPath,
    status: StatusQuery = None,
) -> Page[Recommendation]:
    """One user's recommendations: open first, then by priority, newest first."""
    return _recommendations(db, viewer, request, page, user_id, status)


def _insights(
    db: Database,
    viewer: Viewer,
    request: Request,
    page: PageRequest,
    filters: Filters,
    user_id: str | None,
    max_items: int,
) -> Page[Insight]:
    found = answer(
        db,
        viewer,
        request,
        user_id,
        product=lambda: product_insights(db, viewer, filters, max_items=max_items),
        user=lambda who: personal_insights(db, viewer, who, filters, max_items=max_items),
        key=("insights", filters, max_items),
    )
    return page.page([Insight.model_validate(insight.to_dict()) for insight in found])


@router.get("/analytics/insights", response_model=Page[Insight])
def list_insights(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    page: PageDep,
    filters: FiltersDep,
    user_id: UserIdQuery = None,
    max_items: MaxItemsQuery = 10,
) -> Page[Insight]:
    """Statements about the period that pass a significance and effect-size filter, best first."""
    return _insights(db, viewer, request, page, filters, user_id, max_items)


@router.get("/analytics/insights/{user_id}", response_model=Page[Insight])
def list_user_insights(
    db: DatabaseDep,
    viewer: ViewerDep,
    request: Request,
    page: PageDep,
    filters: FiltersDep,
    user_id: UserIdPath,
    max_items: MaxItemsQuery = 10,
) -> Page[Insight]:
    """Statements about one user against their own history and their peers, best first."""
    return _insights(db, viewer, request, page, filters, user_id, max_items)
