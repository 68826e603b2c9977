"""Start-up and shut-down of the server process: check the login key, open the database, set up accounts.

This module is imported by serve.py before Streamlit's runtime exists, so it must not import
streamlit_authenticator (its cookie component would be declared nowhere and answer 404) or ui.auth.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st

from analytics.auth import demo
from analytics.auth.cookie_key import check_cookie_key
from analytics.auth.passwords import BCRYPT_ROUNDS, dummy_hash
from analytics.db import open_database
from analytics.errors import AnalyticsError
from analytics.jobs import server_schedulers
from config.settings import Settings, load_settings
from ui import heap
from ui.tcp import disable_nagle


def cookie_key(settings: Settings) -> str:
    """The login cookie's signing key from .streamlit/secrets.toml ([auth] cookie_key), checked for strength."""
    try:
        configured = st.secrets.get("auth", {}).get("cookie_key")
    except FileNotFoundError:
        configured = None
    return check_cookie_key(configured, demo_mode=settings.demo_mode)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Refuse to serve with a weak login cookie key (outside demo mode) or an unusable database."""
    settings = load_settings()
    try:
        cookie_key(settings)
        database = open_database(settings=settings)
        database.connection  # noqa: B018 - opening migrates, and fails here rather than on first request
        demo.ensure_demo_accounts(database, demo_mode=settings.demo_mode)
    except AnalyticsError as exc:
        print(f"Pulse cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    disable_nagle()  # answers on kept-alive connections no longer wait ~45 ms for a delayed ACK
    dummy_hash(BCRYPT_ROUNDS)  # computed now, so the first sign-in of an unknown name is not slower
    schedulers = server_schedulers(database, settings)
    for scheduler in schedulers:
        scheduler.start()
    heap.settle(database)
    yield
    heap.release()
    for scheduler in schedulers:
        scheduler.stop()
    database.close()
