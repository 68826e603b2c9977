"""The login cookie key: any in demo mode, long and not the example's otherwise."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from analytics.auth.cookie_key import EXAMPLE_COOKIE_KEY, check_cookie_key
from analytics.errors import AnalyticsError

EXAMPLE_FILE = Path(__file__).resolve().parents[3] / ".streamlit" / "secrets.toml.example"


def test_example_file_holds_the_example_key():
    with EXAMPLE_FILE.open("rb") as handle:
        assert tomllib.load(handle)["auth"]["cookie_key"] == EXAMPLE_COOKIE_KEY


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "No login cookie key is set"),
        ("", "No login cookie key is set"),
        (EXAMPLE_COOKIE_KEY, "is the example's"),
        ("k" * 31, "at least 32 characters; got 31"),
    ],
)
def test_weak_keys_are_refused_outside_demo_mode(key, message):
    with pytest.raises(AnalyticsError, match=message):
        check_cookie_key(key, demo_mode=False)


def test_demo_mode_falls_back_to_the_example_key():
    assert check_cookie_key(None, demo_mode=True) == EXAMPLE_COOKIE_KEY
    assert check_cookie_key("short", demo_mode=True) == "short"
    assert check_cookie_key("k" * 32, demo_mode=False) == "k" * 32
