"""Who is asking: the identity every analytics function takes, and the permission checks on it."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.errors import PermissionDenied
from config.permissions import Permission, role_permissions


@dataclass(frozen=True)
class Viewer:
    """An authenticated account (or the system itself) and what it may do.

    `user_id` links a member account to its row in `users`; other roles may leave it empty.
    """

    account: str
    role: str
    permissions: frozenset[Permission]
    user_id: str | None = None

    @classmethod
    def for_role(cls, account: str, role: str, user_id: str | None = None) -> Viewer:
        """Build a viewer with the permissions its role has in `config/roles.toml`."""
        roles = role_permissions()
        if role not in roles:
            raise PermissionDenied(f"Role {role!r} is unknown; known roles: {sorted(roles)}.")
        return cls(account=account, role=role, permissions=roles[role], user_id=user_id)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise PermissionDenied unless the viewer holds `permission`."""
        if permission not in self.permissions:
            raise PermissionDenied(
                f"Account {self.account!r} ({self.role}) is not allowed to do this: "
                f"it needs the {permission} permission."
            )

    def require_user(self, user_id: str, permission: Permission) -> None:
        """Allow reading `user_id`'s data: oneself with `permission`, others with VIEW_OTHER_USER_ANALYTICS."""
        self.require(permission)
        if user_id != self.user_id:
            self.require(Permission.VIEW_OTHER_USER_ANALYTICS)

    def require_aggregate(self, permission: Permission) -> None:
        """Allow product-wide figures: they describe other users, so members may not see them."""
        self.require(permission)
        self.require(Permission.VIEW_OTHER_USER_ANALYTICS)


SYSTEM = Viewer(account="system", role="admin", permissions=frozenset(Permission))
"""The identity of command-line tools and scheduled jobs run by whoever owns the database file."""
