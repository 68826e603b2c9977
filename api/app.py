"""Build the FastAPI application: routes, error shape, request guards, security headers, offline docs."""

from __future__ import annotations

from fastapi import FastAPI

from analytics import __version__
from api.docs_assets import install_docs
from api.errors import install_error_handlers
from api.limits import BodySizeLimit, UnicodeBodyGuard
from api.routes import (
    accounts,
    actions,
    analytics,
    backup,
    health,
    intelligence,
    realtime,
    reports,
    tracking,
    trends,
)
from api.security import install_security
from api.tracking_lane import TrackingLane
from config.settings import load_settings


def create_api() -> FastAPI:
    """The API served under /api/v1 (its OpenAPI document at /api/v1/openapi.json, explorer at /docs)."""
    settings = load_settings()
    api = FastAPI(
        title="Pulse API",
        version=__version__,
        description="Tracking, analytics, predictions and exports. Authenticate with `Authorization: Bearer TOKEN`.",
        docs_url=None,
        redoc_url=None,
    )
    api.state.settings = settings  # read once: routes get them through api.deps.SettingsDep
    install_error_handlers(api)
    api.add_middleware(UnicodeBodyGuard)
    api.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    install_security(api)
    api.add_middleware(TrackingLane, api=api)  # outermost: small tracking calls skip the rest
    install_docs(api)
    for module in (
        health,
        tracking,
        accounts,
        realtime,
        reports,
        trends,
        intelligence,
        actions,
        backup,
        analytics,
    ):
        api.include_router(module.router)
    api.include_router(analytics.user_router)  # last: /analytics/{user_id} would shadow /analytics/NAME
    return api
