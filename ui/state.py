"""The process's database for the UI, cached analytics calls, and the one place errors become st.error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

from analytics.db import Database, open_database
from analytics.errors import AnalyticsError

Result = TypeVar("Result")


def database() -> Database:
    """The database shared by every UI session and the API in this process."""
    return open_database()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, database_path: str, view_version: int, key: str, _call: Callable[[], Any]) -> Any:
    return _call()


def cached(name: str, call: Callable[[], Result], **key: Any) -> Result:
    """Run `call` once per (name, key, db.view_version): repeated views are instant, new data recomputes
    (tracked events after at most the `live_refresh_s` setting).

    `key` must hold everything the result depends on, the viewer's account and role included.
    """
    db = database()
    return _cached(name, str(db.path), db.view_version, repr(sorted(key.items())), call)


@contextmanager
def shown_errors() -> Iterator[None]:
    """Turn AnalyticsError (bad input, not allowed) into st.error and stop the page; bugs propagate."""
    try:
        yield
    except AnalyticsError as exc:
        st.error(str(exc))
        st.stop()
