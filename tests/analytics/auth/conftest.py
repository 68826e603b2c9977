"""Accounts of every role in an empty database, with cheap bcrypt so the tests stay fast."""

from __future__ import annotations

import pytest

from analytics.auth import accounts, passwords
from analytics.db import Database
from analytics.viewer import SYSTEM

PASSWORD = "correct horse battery"
ROLES = {"admin": "admin", "analyst": "analyst", "pm": "product_manager", "member": "member"}


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt cost 4 (about 1 ms) instead of 12; the timing test raises it again."""
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def auth_db(db: Database) -> Database:
    """Users u1 and u2, and accounts admin, analyst, pm and member (linked to u1), all with PASSWORD."""
    with db.transaction() as cursor:
        cursor.execute("INSERT INTO users (user_id) VALUES ('u1'), ('u2')")
    for username, role in ROLES.items():
        user_id = "u1" if role == "member" else None
        accounts.create_account(db, SYSTEM, username, password=PASSWORD, role=role, user_id=user_id)
    return db
