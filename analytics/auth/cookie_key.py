"""The key that signs login cookies: read from .streamlit/secrets.toml, refused when weak outside demo mode."""

from __future__ import annotations

from analytics.errors import AnalyticsError

EXAMPLE_COOKIE_KEY = "example-key-for-demo-mode-only-never-use-it-in-production"
"""The value in .streamlit/secrets.toml.example; accepted (and used when no key is set) in demo mode only."""

MIN_COOKIE_KEY_CHARS = 32
HOW_TO_FIX = (
    "Put a long random value in .streamlit/secrets.toml under [auth] cookie_key, e.g. the output of "
    '`python -c "import secrets; print(secrets.token_urlsafe(48))"` (see .streamlit/secrets.toml.example).'
)


def check_cookie_key(key: object, *, demo_mode: bool) -> str:
    """The key to sign login cookies with.

    Outside demo mode a missing key, one shorter than 32 characters or the example's key is refused,
    because anyone who knows the key can forge a login cookie for any account.
    """
    if demo_mode:
        return key if isinstance(key, str) and key else EXAMPLE_COOKIE_KEY
    if not isinstance(key, str) or not key:
        raise AnalyticsError(f"No login cookie key is set and demo_mode is off. {HOW_TO_FIX}")
    if key == EXAMPLE_COOKIE_KEY:
        raise AnalyticsError(f"The login cookie key is the example's, which everyone knows. {HOW_TO_FIX}")
    if len(key) < MIN_COOKIE_KEY_CHARS:
        raise AnalyticsError(
            f"The login cookie key must have at least {MIN_COOKIE_KEY_CHARS} characters; "
            f"got {len(key)}. {HOW_TO_FIX}"
        )
    return key
