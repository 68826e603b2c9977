"""The right to be forgotten: delete one user's rows from every table that holds a user_id.

The audit record of an erasure keeps the user id as its target: it is the controller's legal record
that the request was carried out (GDPR art. 5(2), 17), and holds no other data about the user.
Earlier audit records about the user are kept for the same reason. Database backups made before the
erasure still hold the rows until they are rotated away.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics import audit
from analytics.db import Database
from analytics.errors import NotFoundError
from analytics.privacy.tables import ACCOUNTS_TABLE, USER_COLUMN, UserTable, user_tables
from analytics.viewer import Viewer
from config.permissions import Permission


@dataclass(frozen=True)
class ErasureReport:
    """What `erase_user` removed: rows deleted per table, and login accounts unlinked and disabled."""

    user_id: str
    rows_deleted: dict[str, int]
    accounts_unlinked: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows_deleted.values())


def erase_user(db: Database, viewer: Viewer, user_id: str, *, source: str | None = None) -> ErasureReport:
    """Delete every row about `user_id` in one transaction; needs MANAGE_ACCOUNTS.

    Every table with a user_id column is covered, including ones added by later migrations. A login
    account linked to the user (table `accounts`) is kept for its own audit trail but unlinked and
    disabled (`disabled = TRUE` or `enabled = FALSE`). Raises NotFoundError if no table mentions the user.
    """
    viewer.require(Permission.MANAGE_ACCOUNTS)
    rows_deleted: dict[str, int] = {}
    accounts_unlinked = 0
    with db.transaction() as cursor:
        tables = user_tables(cursor)
        # users last, so that tables referring to it by foreign key are emptied first
        for table in sorted(tables, key=lambda t: t.name == "users"):
            match = f"WHERE {USER_COLUMN}::VARCHAR = ?"
            if table.name == ACCOUNTS_TABLE:
                sql = f"UPDATE {table.sql_name} SET {USER_COLUMN} = NULL{_disable(table)} {match}"
                accounts_unlinked += cursor.execute(sql, [user_id]).fetchall()[0][0]
            else:
                sql = f"DELETE FROM {table.sql_name} {match}"
                rows_deleted[table.label] = cursor.execute(sql, [user_id]).fetchall()[0][0]
        if not any(rows_deleted.values()) and not accounts_unlinked:
            raise NotFoundError(f"User {user_id!r} has no rows in any table, so there is nothing to erase.")
        audit.record(
            cursor,
            viewer.account,
            "user_erased",
            target=user_id,
            detail={"rows_deleted": rows_deleted, "accounts_unlinked": accounts_unlinked},
            source=source,
        )
    # Write the deletion into the database file now, so the write-ahead log no longer holds the rows.
    db.cursor().execute("CHECKPOINT")
    return ErasureReport(user_id=user_id, rows_deleted=rows_deleted, accounts_unlinked=accounts_unlinked)


def _disable(table: UserTable) -> str:
    """The SET clause that disables an account, for whichever flag column the accounts table has."""
    if "disabled" in table.columns:
        return ", disabled = TRUE"
    if "enabled" in table.columns:
        return ", enabled = FALSE"
    return ""
