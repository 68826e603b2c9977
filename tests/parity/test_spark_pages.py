"""The app itself on the Spark backend: pages open without errors and show DuckDB's numbers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st

from analytics.auth.demo import DEMO_ACCOUNTS
from analytics.db import forget_database, open_database
from analytics.forecast import cache
from analytics.lake import write_lake
from tests.pages.signin import sign_in

pytestmark = pytest.mark.slow

PAGES = (
    "pages/overview.py",
    "pages/engagement.py",
    "pages/funnels.py",
    "pages/paths.py",
    "pages/forecasts.py",
)


@pytest.fixture
def duckdb_url(seeded_master: Path, tmp_path: Path) -> str:
    """A private copy of the generated data set, and its lake beside it."""
    copy = tmp_path / "pulse.duckdb"
    shutil.copy(seeded_master, copy)
    write_lake(open_database(copy), tmp_path / "lake")
    forget_database(copy)
    return f"duckdb://{copy}"


def _metrics(url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Sign in as the product manager with `url` as the backend; each page's metric values."""
    monkeypatch.setenv("PULSE_BACKEND_URL", url)
    pm = next(account for account in DEMO_ACCOUNTS if account.role == "product_manager")
    app = sign_in(pm.username, pm.password)
    shown = {}
    for path in PAGES:
        app.switch_page(path).run()
        assert not app.exception, (url, path, app.exception)
        assert not app.error, (url, path, [error.value for error in app.error])
        shown[path] = [metric.value for metric in app.metric]
    return shown


def test_pages_on_spark_show_what_they_show_on_duckdb(duckdb_url: str, monkeypatch: pytest.MonkeyPatch):
    copy = Path(duckdb_url.removeprefix("duckdb://"))
    on_duckdb = _metrics(duckdb_url, monkeypatch)
    forget_database(copy)
    st.cache_data.clear()  # a process never changes backend; this one does, so drop DuckDB's answers
    cache.clear()
    on_spark = _metrics(f"spark://local[2]?lake={copy.parent / 'lake'}&db={copy}", monkeypatch)
    engine = open_database(copy).engine  # the app's own Database for the file, as the pages used it
    assert engine is not None and engine._session is not None, "the pages' queries ran on Spark"
    forget_database(copy)
    assert on_duckdb["pages/overview.py"], "the overview shows its KPIs"
    assert on_spark == on_duckdb
