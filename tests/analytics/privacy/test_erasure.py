"""Erasure removes a user from every table with a user_id (checked independently) and nothing else."""

from __future__ import annotations

import json

import pytest

from analytics.audit import read_log
from analytics.db import Database
from analytics.errors import NotFoundError, PermissionDenied
from analytics.privacy import erase_user
from analytics.viewer import SYSTEM, Viewer


def user_id_tables(db: Database) -> list[tuple[str, str]]:
    """(schema, table) of every base table with a user_id column, asked of information_schema directly."""
    return db.rows(
        """SELECT c.table_schema, c.table_name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
           WHERE c.column_name = 'user_id' AND t.table_type = 'BASE TABLE'
             AND c.table_catalog = current_database()
           ORDER BY 1, 2"""
    )


def rows_per_table(db: Database, user_id: str) -> dict[str, int]:
    return {
        f"{schema}.{table}": db.scalar(
            f'SELECT count(*) FROM "{schema}"."{table}" WHERE user_id = ?', [user_id]
        )
        for schema, table in user_id_tables(db)
    }


@pytest.fixture
def extended_db(filled_db: Database) -> Database:
    """Add tables a later migration might create: one plain, and a login-accounts table to unlink."""
    with filled_db.transaction() as cursor:
        cursor.execute("CREATE TABLE later_notes (user_id VARCHAR, note VARCHAR)")
        cursor.execute("INSERT INTO later_notes VALUES ('u1', 'a'), ('u1', 'b'), ('u2', 'c')")
        # In a schema of its own, so it does not clash with the accounts table of the migrations.
        cursor.execute("CREATE SCHEMA extra")
        cursor.execute("CREATE TABLE extra.accounts (account VARCHAR, user_id VARCHAR, disabled BOOLEAN)")
        cursor.execute("INSERT INTO extra.accounts VALUES ('alice', 'u1', FALSE), ('bob', 'u2', FALSE)")
    return filled_db


def test_erasure_leaves_no_row_for_the_user_and_keeps_others(extended_db: Database) -> None:
    others_before = {user: rows_per_table(extended_db, user) for user in ("u2", "u3")}
    assert sum(rows_per_table(extended_db, "u1").values()) > 0

    erase_user(extended_db, SYSTEM, "u1")

    remaining = rows_per_table(extended_db, "u1")
    assert "main.later_notes" in remaining and "extra.accounts" in remaining
    assert remaining == dict.fromkeys(remaining, 0)
    assert {user: rows_per_table(extended_db, user) for user in ("u2", "u3")} == others_before


def test_erasure_reports_rows_per_table_and_unlinks_the_account(extended_db: Database) -> None:
    report = erase_user(extended_db, SYSTEM, "u1")

    # Every table holding user ids is reported; the ones with no rows for u1 report 0.
    assert {table: rows for table, rows in report.rows_deleted.items() if rows} == {
        "events": 5,
        "later_notes": 2,
        "predictions": 1,
        "sessions": 3,
        "user_daily": 3,
        "user_daily_activity": 4,
        "users": 1,
    }
    assert {"ground_truth_users", "recommendations"} <= set(report.rows_deleted)
    assert report.total_rows == 19
    assert report.accounts_unlinked == 1
    assert extended_db.rows("SELECT account, user_id, disabled FROM extra.accounts ORDER BY 1") == [
        ("alice", None, True),
        ("bob", "u2", False),
    ]


def test_erasure_is_audited_with_the_user_id_as_target(extended_db: Database) -> None:
    erase_user(extended_db, SYSTEM, "u1", source="cli")

    log = read_log(extended_db, SYSTEM, action="user_erased")
    assert len(log) == 1
    entry = log.iloc[0]
    assert (entry.actor, entry.target, entry.source) == ("system", "u1", "cli")
    detail = json.loads(entry.detail)
    assert detail["accounts_unlinked"] == 1
    assert (detail["rows_deleted"]["events"], detail["rows_deleted"]["users"]) == (5, 1)


def test_unknown_user_is_not_found_and_nothing_changes(filled_db: Database) -> None:
    with pytest.raises(NotFoundError, match="User 'nobody' has no rows in any table"):
        erase_user(filled_db, SYSTEM, "nobody")
    assert read_log(filled_db, SYSTEM, action="user_erased").empty


def test_erasure_needs_manage_accounts(filled_db: Database) -> None:
    member = Viewer.for_role("alice", "member", user_id="u1")
    with pytest.raises(PermissionDenied, match="MANAGE_ACCOUNTS"):
        erase_user(filled_db, member, "u1")
    assert filled_db.scalar("SELECT count(*) FROM events WHERE user_id = 'u1'") == 5


def test_the_login_account_of_the_migrations_is_unlinked_and_disabled(filled_db: Database) -> None:
    with filled_db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO accounts (username, display_name, role, user_id, password_hash, password_changed_at) "
            "VALUES ('alice', 'Alice', 'member', 'u1', 'x', TIMESTAMP '2024-01-01'), "
            "('bob', 'Bob', 'member', 'u2', 'x', TIMESTAMP '2024-01-01')"
        )

    assert erase_user(filled_db, SYSTEM, "u1").accounts_unlinked == 1
    assert filled_db.rows("SELECT username, user_id, enabled FROM accounts ORDER BY 1") == [
        ("alice", None, False),
        ("bob", "u2", True),
    ]
