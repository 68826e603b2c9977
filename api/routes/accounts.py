"""GET /me: who the token acts as and what it may do."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import TokenDep, ViewerDep

router = APIRouter(tags=["accounts"])


class Me(BaseModel):
    account: str
    role: str
    permissions: list[str]
    user_id: str | None
    token_id: str
    token_kind: str
    token_expires_at: datetime


@router.get("/me", response_model=Me)
def get_me(viewer: ViewerDep, token: TokenDep) -> Me:
    """The token's account, role, permissions and (members) linked user_id; useful to test a token."""
    return Me(
        account=viewer.account,
        role=viewer.role,
        permissions=sorted(viewer.permissions),
        user_id=viewer.user_id,
        token_id=token.token_id,
        token_kind=token.kind,
        token_expires_at=token.expires_at,
    )
