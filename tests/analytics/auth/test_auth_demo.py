"""Demo accounts: one per role in demo mode, the member linked to the most active consenting user."""

from __future__ import annotations

import pandas as pd

from analytics import rollups
from analytics.auth import demo, tokens
from analytics.auth.login import authenticate
from analytics.viewer import Viewer

RULES = {"max_attempts": 5, "lock_minutes": 15}


def add_activity(db) -> None:
    """u1 has 3 events but withdrew consent, u2 has 2, u3 has 1: the demo member is u2."""
    users = pd.DataFrame({"user_id": ["u1", "u2", "u3"], "consent_analytics": [False, True, True]})
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(6)],
            "user_id": ["u1", "u1", "u1", "u2", "u2", "u3"],
            "activity_type": "lesson",
            "timestamp": pd.to_datetime("2025-01-01 10:00") + pd.to_timedelta(range(6), unit="min"),
            "ingested_at": pd.Timestamp("2025-01-02"),
        }
    )
    with db.transaction() as cursor:
        cursor.register("new_users", users)
        cursor.register("new_events", events)
        cursor.execute("INSERT INTO users (user_id, consent_analytics) SELECT * FROM new_users")
        cursor.execute(
            "INSERT INTO events (event_id, user_id, activity_type, timestamp, ingested_at) SELECT * FROM new_events"
        )
        rollups.rebuild_all(cursor, "UTC")


def test_demo_accounts_sign_in_with_the_documented_passwords(db):
    add_activity(db)
    demo.ensure_demo_accounts(db, demo_mode=True)
    for account in demo.DEMO_ACCOUNTS:
        signed_in = authenticate(db, account.username, account.password, **RULES)
        assert signed_in.role == account.role
    assert demo.demo_member_user(db) == "u2"
    assert db.scalar("SELECT user_id FROM accounts WHERE username = 'member'") == "u2"


def test_member_is_linked_once_data_arrives(db):
    demo.ensure_demo_accounts(db, demo_mode=True)
    assert db.scalar("SELECT user_id FROM accounts WHERE username = 'member'") is None
    add_activity(db)
    demo.ensure_demo_accounts(db, demo_mode=True)
    assert db.scalar("SELECT user_id FROM accounts WHERE username = 'member'") == "u2"


def test_demo_accounts_are_removed_outside_demo_mode(db):
    demo.ensure_demo_accounts(db, demo_mode=True)
    created = tokens.create_token(db, Viewer.for_role("analyst", "analyst"), name="x", days=1)
    demo.ensure_demo_accounts(db, demo_mode=False)
    assert db.scalar("SELECT count(*) FROM accounts") == 0
    demo.ensure_demo_accounts(db, demo_mode=True)
    assert db.scalar("SELECT count(*) FROM accounts") == 4
    assert db.scalar("SELECT revoked_by FROM api_tokens WHERE token_id = ?", [created.token_id]) == "system"


def test_a_real_account_keeps_its_name(db):
    with db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO accounts (username, display_name, role, password_hash, password_changed_at) "
            "VALUES ('admin', 'Real admin', 'admin', 'x', now())"
        )
    demo.ensure_demo_accounts(db, demo_mode=True)
    assert db.rows("SELECT display_name, demo FROM accounts WHERE username = 'admin'") == [
        ("Real admin", False)
    ]
    demo.ensure_demo_accounts(db, demo_mode=False)
    assert db.scalar("SELECT count(*) FROM accounts") == 1
