"""Dependencies shared by routes: the settings the API was built with, the process's database and the
caller's identity from a bearer token."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from analytics.auth.ratelimit import RateLimiter
from analytics.auth.tokens import TokenIdentity, authenticate_token, recently_verified
from analytics.db import Database, open_database
from analytics.errors import AuthenticationError
from analytics.viewer import Viewer
from config.settings import Settings

BEARER = "bearer "


# These never block (a token not verified in the last few seconds is checked in the thread pool), so
# they are async: FastAPI runs a sync dependency in the thread pool, a trip that cost every request
# about 0.1 ms of the one GIL, and reading the settings file cost as much again per call.
async def api_settings(request: Request) -> Settings:
    """The settings the API was built with (api.app.create_api reads them once)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(api_settings)]


async def get_db(settings: SettingsDep) -> Database:
    """The database this process shares between the UI and the API."""
    return open_database(settings.database_path, settings)


@cache
def rate_limiter(per_minute: int) -> RateLimiter:
    """The process's per-token limiter for a given budget (one per setting value)."""
    return RateLimiter(per_minute)


async def token_identity(
    db: Annotated[Database, Depends(get_db)],
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> TokenIdentity | None:
    """The verified token of the request (None without one), after spending one of its rate-limit credits."""
    if authorization is None:
        return None
    if not authorization.lower().startswith(BEARER) or not authorization[len(BEARER) :].strip():
        raise AuthenticationError("The Authorization header must be 'Bearer TOKEN'.")
    token = authorization[len(BEARER) :].strip()
    identity = recently_verified(db, token) or await run_in_threadpool(authenticate_token, db, token)
    rate_limiter(settings.api_rate_limit_per_minute).check(identity.token_id)
    return identity


async def optional_viewer(
    identity: Annotated[TokenIdentity | None, Depends(token_identity)],
) -> Viewer | None:
    """The caller identified by a bearer token, or None when no token was sent (a bad token is a 401)."""
    return None if identity is None else identity.viewer


async def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    """The authenticated caller; 401 without a valid token."""
    if viewer is None:
        raise AuthenticationError("Send an API token as 'Authorization: Bearer TOKEN'.")
    return viewer


DatabaseDep = Annotated[Database, Depends(get_db)]
ViewerDep = Annotated[Viewer, Depends(require_viewer)]
OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]
TokenDep = Annotated[TokenIdentity | None, Depends(token_identity)]
