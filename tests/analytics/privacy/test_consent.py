"""Consent: members change their own, account managers anyone's; every change is audited."""

from __future__ import annotations

import json

import pytest

from analytics.audit import read_log
from analytics.db import Database
from analytics.errors import NotFoundError, PermissionDenied, ValidationError
from analytics.privacy import set_consent, withdrawn_users
from analytics.viewer import SYSTEM, Viewer

ALICE = Viewer.for_role("alice", "member", user_id="u1")


def consent_of(db: Database, user_id: str) -> bool:
    return db.scalar("SELECT consent_analytics FROM users WHERE user_id = ?", [user_id])


def test_a_member_withdraws_and_gives_their_own_consent(filled_db: Database) -> None:
    set_consent(filled_db, ALICE, "u1", False, source="web")
    assert consent_of(filled_db, "u1") is False
    assert withdrawn_users(filled_db) == {"u1"}

    set_consent(filled_db, ALICE, "u1", True)
    assert withdrawn_users(filled_db) == set()

    log = read_log(filled_db, SYSTEM, action="consent_changed").sort_values("audit_id")
    assert list(zip(log.actor, log.target, log.source.fillna("-"), strict=True)) == [
        ("alice", "u1", "web"),
        ("alice", "u1", "-"),
    ]
    assert json.loads(log.detail.iloc[0]) == {"consent_analytics": False, "previous": True}


def test_a_member_cannot_change_someone_elses_consent(filled_db: Database) -> None:
    with pytest.raises(PermissionDenied, match="needs the MANAGE_ACCOUNTS permission"):
        set_consent(filled_db, ALICE, "u2", False)
    assert consent_of(filled_db, "u2") is True


def test_an_account_manager_changes_anyones_consent(filled_db: Database) -> None:
    admin = Viewer.for_role("root", "admin")
    set_consent(filled_db, admin, "u2", False)
    set_consent(filled_db, SYSTEM, "u3", False)
    assert withdrawn_users(filled_db) == {"u2", "u3"}


def test_unknown_user_is_not_found(filled_db: Database) -> None:
    with pytest.raises(NotFoundError, match="User 'nobody' does not exist"):
        set_consent(filled_db, SYSTEM, "nobody", False)
    assert read_log(filled_db, SYSTEM, action="consent_changed").empty


@pytest.mark.parametrize("value", ["false", 0, None])
def test_consent_must_be_a_bool(filled_db: Database, value: object) -> None:
    with pytest.raises(ValidationError, match="The 'consent' value must be true or false"):
        set_consent(filled_db, ALICE, "u1", value)
