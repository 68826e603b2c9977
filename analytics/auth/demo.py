"""Demo accounts, one per role, that exist only while demo_mode is on (docs/security.md)."""

from __future__ import annotations

from dataclasses import dataclass

from analytics import audit
from analytics.auth import sessions, tokens
from analytics.auth.clock import utc_now
from analytics.db import Database


@dataclass(frozen=True)
class DemoAccount:
    """A demo login: its password is public (documented), so its bcrypt hash can be a constant."""

    username: str
    role: str
    display_name: str
    password: str
    password_hash: str


DEMO_ACCOUNTS = (
    DemoAccount(
        "admin",
        "admin",
        "Demo administrator",
        "pulse-admin-demo",
        "$2b$12$IEMzLH1gpBULdDuP72KzbO3Dg8kCa4AmrtS8bbSI.MnrzInpvF3P.",
    ),
    DemoAccount(
        "analyst",
        "analyst",
        "Demo analyst",
        "pulse-analyst-demo",
        "$2b$12$.Y4UfeIHPuZ7BwINzrQPeOj8ZaCGCzJ/ZuovHvQs8HUpjSJMWtY4i",
    ),
    DemoAccount(
        "pm",
        "product_manager",
        "Demo product manager",
        "pulse-pm-demo",
        "$2b$12$VB8uzWkf3m.WXSzkQOqTCuctPz/TVBQFoLWlV8/83c33Hb94G2kCi",
    ),
    DemoAccount(
        "member",
        "member",
        "Demo member",
        "pulse-member-demo",
        "$2b$12$FK17.yAnDtakuEdFcySooel1xQNPjwxMI8YEAs2TORRmZUjh7m57u",
    ),
)


def demo_member_user(db: Database) -> str | None:
    """The user the demo member sees: the consenting user with the most events (ties: smallest id)."""
    return db.scalar(
        """SELECT u.user_id FROM users u LEFT JOIN user_daily d USING (user_id)
           WHERE u.consent_analytics
           GROUP BY u.user_id ORDER BY coalesce(sum(d.event_count), 0) DESC, u.user_id LIMIT 1"""
    )


def ensure_demo_accounts(db: Database, *, demo_mode: bool) -> None:
    """In demo mode create missing demo accounts and link an unlinked demo member; otherwise remove them.

    Cheap when nothing changes (two small queries), so it runs at start-up and before each sign-in,
    which also links the demo member once data arrives in a database that started empty. A demo
    account an administrator disabled stays disabled.
    """
    present = {row[0] for row in db.rows("SELECT username FROM accounts WHERE demo")}
    if not demo_mode:
        if present:
            _remove(db, sorted(present))
        return
    member_unlinked = db.scalar(
        "SELECT count(*) FROM accounts WHERE demo AND role = 'member' AND user_id IS NULL"
    )
    taken = {row[0] for row in db.rows("SELECT username FROM accounts WHERE NOT demo")}
    missing = [d for d in DEMO_ACCOUNTS if d.username not in present | taken]
    if not missing and not member_unlinked:
        return
    member_user = demo_member_user(db)
    now = utc_now()
    with db.transaction() as cursor:
        for demo in missing:
            user_id = member_user if demo.role == "member" else None
            cursor.execute(
                "INSERT INTO accounts (username, display_name, role, user_id, password_hash, demo, "
                "password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)",
                [demo.username, demo.display_name, demo.role, user_id, demo.password_hash, now, now],
            )
            audit.record(
                cursor,
                "system",
                "account_created",
                target=demo.username,
                detail={"role": demo.role, "user_id": user_id, "demo": True},
                source="demo_mode",
            )
        if member_user is not None:
            linked = cursor.execute(
                "UPDATE accounts SET user_id = ? WHERE demo AND role = 'member' AND user_id IS NULL "
                "RETURNING username",
                [member_user],
            ).fetchall()
            for (username,) in linked:
                audit.record(
                    cursor,
                    "system",
                    "account_linked",
                    target=username,
                    detail={"to": member_user},
                    source="demo_mode",
                )


def _remove(db: Database, usernames: list[str]) -> None:
    """Delete demo accounts, end their sessions and revoke their tokens (so a later demo run starts clean)."""
    now = utc_now()
    with db.transaction() as cursor:
        for username in usernames:
            sessions.end_all(cursor, username, reason="demo_mode_off")
            cursor.execute(
                "UPDATE api_tokens SET revoked_at = ?, revoked_by = 'system' "
                "WHERE username = ? AND revoked_at IS NULL",
                [now, username],
            )
            cursor.execute("DELETE FROM accounts WHERE username = ?", [username])
            audit.record(cursor, "system", "account_removed", target=username, source="demo_mode_off")
    for username in usernames:
        tokens.forget_cached(db, username)
