"""Consent to analytics: who may change it, and who has withdrawn it.

Withdrawing keeps the user's stored rows but `analytics.schema.analysable()` leaves them out of every
analysis and tracking refuses their new events; erasing the rows is `erasure.erase_user`.
"""

from __future__ import annotations

from analytics import audit
from analytics.db import Database
from analytics.errors import NotFoundError, ValidationError
from analytics.viewer import Viewer
from config.permissions import Permission


def set_consent(
    db: Database, viewer: Viewer, user_id: str, consent: bool, *, source: str | None = None
) -> None:
    """Record `user_id`'s consent to analytics; a member may change their own, MANAGE_ACCOUNTS anyone's."""
    if not isinstance(consent, bool):
        raise ValidationError(f"The 'consent' value must be true or false. Got {consent!r} instead.")
    if user_id != viewer.user_id:
        viewer.require(Permission.MANAGE_ACCOUNTS)
    with db.transaction() as cursor:
        found = cursor.execute("SELECT consent_analytics FROM users WHERE user_id = ?", [user_id]).fetchall()
        if not found:
            raise NotFoundError(f"User {user_id!r} does not exist, so their consent cannot be changed.")
        cursor.execute("UPDATE users SET consent_analytics = ? WHERE user_id = ?", [consent, user_id])
        audit.record(
            cursor,
            viewer.account,
            "consent_changed",
            target=user_id,
            detail={"consent_analytics": consent, "previous": found[0][0]},
            source=source,
        )


def withdrawn_users(db: Database) -> set[str]:
    """Ids of the users who have withdrawn consent to analytics."""
    return {row[0] for row in db.rows("SELECT user_id FROM users WHERE NOT consent_analytics")}
