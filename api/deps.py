"""Dependencies shared by routes: the process's database and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from analytics.db import Database, open_database
from analytics.errors import AuthenticationError
from analytics.viewer import Viewer


def get_db() -> Database:
    """The database this process shares between the UI and the API."""
    return open_database()


def optional_viewer(authorization: Annotated[str | None, Header()] = None) -> Viewer | None:
    """The caller identified by a bearer token, or None when no token was sent."""
    if authorization is None:
        return None
    raise AuthenticationError("API tokens are not enabled yet on this server.")


def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    """The authenticated caller; 401 without a valid token."""
    if viewer is None:
        raise AuthenticationError("Send an API token as 'Authorization: Bearer TOKEN'.")
    return viewer


DatabaseDep = Annotated[Database, Depends(get_db)]
ViewerDep = Annotated[Viewer, Depends(require_viewer)]
OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]
