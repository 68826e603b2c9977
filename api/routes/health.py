"""GET /analytics/health: liveness for anyone, details for VIEW_ANALYTICS_HEALTH."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from analytics.health import health_report
from api.deps import DatabaseDep, OptionalViewerDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    app_version: str
    schema_version: int
    uptime_s: float
    newest_event_at: datetime | None
    freshness_s: float | None
    details: dict[str, Any] | None = None


@router.get("/analytics/health", response_model=Health)
def get_health(db: DatabaseDep, viewer: OptionalViewerDep) -> Health:
    """Whether Pulse is up and how fresh its data is; with a permitted token also sizes and query times."""
    return Health(**health_report(db, viewer).as_dict())
