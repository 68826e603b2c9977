"""The permission list and the role → permissions map read from `config/roles.toml`."""

from __future__ import annotations

import tomllib
from enum import StrEnum
from functools import cache
from pathlib import Path

ROLES_FILE = Path(__file__).resolve().parent / "roles.toml"


class Permission(StrEnum):
    """One thing a viewer may do; roles are sets of these."""

    TRACK_ANALYTICS = "TRACK_ANALYTICS"
    VIEW_USER_ANALYTICS = "VIEW_USER_ANALYTICS"
    VIEW_OTHER_USER_ANALYTICS = "VIEW_OTHER_USER_ANALYTICS"
    VIEW_USER_BEHAVIOR = "VIEW_USER_BEHAVIOR"
    VIEW_USER_PERFORMANCE = "VIEW_USER_PERFORMANCE"
    VIEW_USER_ENGAGEMENT = "VIEW_USER_ENGAGEMENT"
    GENERATE_PREDICTIONS = "GENERATE_PREDICTIONS"
    VIEW_PREDICTIONS = "VIEW_PREDICTIONS"
    GENERATE_RECOMMENDATIONS = "GENERATE_RECOMMENDATIONS"
    VIEW_RECOMMENDATIONS = "VIEW_RECOMMENDATIONS"
    VIEW_USER_INSIGHTS = "VIEW_USER_INSIGHTS"
    VIEW_USER_TRENDS = "VIEW_USER_TRENDS"
    COMPARE_USERS = "COMPARE_USERS"
    EXPORT_ANALYTICS = "EXPORT_ANALYTICS"
    VIEW_ANALYTICS_HEALTH = "VIEW_ANALYTICS_HEALTH"
    MANAGE_ACCOUNTS = "MANAGE_ACCOUNTS"


LOGIN_ROLES = ("admin", "analyst", "product_manager", "member")


@cache
def role_permissions(path: Path = ROLES_FILE) -> dict[str, frozenset[Permission]]:
    """Map every role in the roles file to its permissions; unknown names fail loudly."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    roles: dict[str, frozenset[Permission]] = {}
    for role, body in raw.items():
        names = body.get("permissions", [])
        unknown = sorted(set(names) - set(Permission))
        if unknown:
            raise ValueError(
                f"{path}: role {role!r} names unknown permissions {unknown}; known: {sorted(Permission)}."
            )
        roles[role] = frozenset(Permission(name) for name in names)
    missing = sorted(set(LOGIN_ROLES) - set(roles))
    if missing:
        raise ValueError(f"{path} must define the roles {missing}.")
    return roles
