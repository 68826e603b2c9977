"""Signing in: lockout kept in the database, unlock by time or by an admin, equal timing, audit records."""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta

import pytest

from analytics.audit import read_log
from analytics.auth import accounts, passwords
from analytics.auth.login import authenticate
from analytics.db import forget_database, open_database
from analytics.errors import AuthenticationError
from analytics.viewer import SYSTEM
from tests.analytics.auth.conftest import PASSWORD

T0 = datetime(2025, 6, 1, 12, 0)
RULES = {"max_attempts": 3, "lock_minutes": 15}


def sign_in(db, username, password, *, now=T0):
    return authenticate(db, username, password, source="203.0.113.9", now=now, **RULES)


def fail(db, username, password="wrong password!", *, now=T0):
    with pytest.raises(AuthenticationError, match="Sign-in failed"):
        sign_in(db, username, password, now=now)


def test_right_password_signs_in_and_is_audited(auth_db):
    account = sign_in(auth_db, " PM ", PASSWORD)
    assert (account.username, account.role, account.last_login_at) == ("pm", "product_manager", T0)
    log = read_log(auth_db, SYSTEM, action="login_succeeded")
    assert log[["actor", "source"]].values.tolist() == [["pm", "203.0.113.9"]]


def test_every_failure_shows_the_same_message_and_logs_the_real_reason(auth_db):
    accounts.set_enabled(auth_db, SYSTEM, "analyst", False)
    messages = []
    for username in ("nobody", "analyst", "pm"):
        with pytest.raises(AuthenticationError) as caught:
            sign_in(auth_db, username, "wrong password!")
        messages.append(str(caught.value))
    assert len(set(messages)) == 1
    log = read_log(auth_db, SYSTEM, action="login_failed")
    assert dict(zip(log["actor"], log["detail"], strict=True)) == {
        "pm": '{"reason": "wrong_password"}',
        "analyst": '{"reason": "disabled"}',
        "nobody": '{"reason": "unknown_account"}',
    }


def test_account_locks_after_max_attempts_even_for_the_right_password(auth_db):
    for _ in range(RULES["max_attempts"]):
        fail(auth_db, "pm")
    fail(auth_db, "pm", PASSWORD, now=T0 + timedelta(minutes=1))
    account = accounts.require_account(auth_db, "pm")
    assert account.locked_until == T0 + timedelta(minutes=15)
    assert read_log(auth_db, SYSTEM, action="account_locked")["target"].tolist() == ["pm"]
    last = read_log(auth_db, SYSTEM, action="login_failed", limit_rows=1)
    assert last["detail"].iloc[0] == '{"reason": "locked"}'


def test_the_lock_survives_a_restart(auth_db):
    for _ in range(RULES["max_attempts"]):
        fail(auth_db, "pm")
    path = auth_db.path
    forget_database(path)
    reopened = open_database(path)
    fail(reopened, "pm", PASSWORD, now=T0 + timedelta(minutes=14))
    assert sign_in(reopened, "pm", PASSWORD, now=T0 + timedelta(minutes=15, seconds=1)).username == "pm"


def test_lock_expires_and_the_count_restarts(auth_db):
    for _ in range(RULES["max_attempts"]):
        fail(auth_db, "pm")
    later = T0 + timedelta(minutes=16)
    fail(auth_db, "pm", now=later)
    assert accounts.require_account(auth_db, "pm").failed_logins == 1
    assert sign_in(auth_db, "pm", PASSWORD, now=later).failed_logins == 0


def test_success_resets_the_failure_count(auth_db):
    fail(auth_db, "pm")
    fail(auth_db, "pm")
    sign_in(auth_db, "pm", PASSWORD)
    fail(auth_db, "pm")
    fail(auth_db, "pm")
    assert accounts.require_account(auth_db, "pm").locked_until is None


def test_an_admin_can_unlock(auth_db):
    for _ in range(RULES["max_attempts"]):
        fail(auth_db, "pm")
    accounts.unlock(auth_db, SYSTEM, "pm")
    assert sign_in(auth_db, "pm", PASSWORD).username == "pm"


def test_unknown_names_take_as_long_as_wrong_passwords(auth_db, monkeypatch):
    """Both paths run one bcrypt check of the same cost (10, ~80 ms); skipping it would make the ratio ~0.01."""
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 10)
    accounts.reset_password(auth_db, SYSTEM, "pm", PASSWORD)
    passwords.dummy_hash(10)
    rules = {"max_attempts": 1000, "lock_minutes": 1}

    def duration_s(username: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AuthenticationError):
            authenticate(auth_db, username, "wrong password!", **rules)
        return time.perf_counter() - started

    unknown, wrong = [], []
    for _ in range(7):
        unknown.append(duration_s("nobody"))
        wrong.append(duration_s("pm"))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2.0, (unknown, wrong)
