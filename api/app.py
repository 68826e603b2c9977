"""Build the FastAPI application: routes, error shape, request limits, security headers."""

from __future__ import annotations

from fastapi import FastAPI

from analytics import __version__
from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.routes import accounts, health, tracking
from api.security import install_security
from config.settings import load_settings


def create_api() -> FastAPI:
    """The API served under /api/v1 (its OpenAPI document at /api/v1/openapi.json)."""
    settings = load_settings()
    api = FastAPI(
        title="Pulse API",
        version=__version__,
        description="Tracking, analytics, predictions and exports. Authenticate with `Authorization: Bearer TOKEN`.",
    )
    install_error_handlers(api)
    api.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    install_security(api)
    api.include_router(health.router)
    api.include_router(tracking.router)
    api.include_router(accounts.router)
    return api
