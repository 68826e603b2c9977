"""Password policy, hashing and the equal-time check."""

from __future__ import annotations

import pytest

from analytics.auth.passwords import check_password_policy, hash_password, verify_password
from analytics.errors import ValidationError


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters; got 5"),
        ("é" * 40, "at most 72 bytes"),
        ("analyst12345", "must differ from the username"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    with pytest.raises(ValidationError, match=message):
        check_password_policy(password, username="ANALYST12345")


def test_a_good_password_passes():
    check_password_policy("twelve chars!", username="analyst")


def test_hash_then_verify():
    stored = hash_password("twelve chars!")
    assert stored.startswith("$2b$04$")
    assert verify_password("twelve chars!", stored)
    assert not verify_password("twelve chars?", stored)


def test_no_hash_and_bad_hashes_never_match():
    assert not verify_password("anything", None)
    assert not verify_password("anything", "not-a-bcrypt-hash")


def test_passwords_longer_than_bcrypt_reads_never_match():
    password = "x" * 72
    stored = hash_password(password)
    assert verify_password(password, stored)
    assert not verify_password(password + "suffix", stored)
