"""Fixtures for the prediction tests: hand-made events, and one generated data set big enough to learn from."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analytics.db import Database, forget_database, open_database
from analytics.predict.features import Windows, data_span, load_windows
from tests.analytics.predict.predict_data import LEARNING_AS_OF, LEARNING_END, Event, add_events


@pytest.fixture
def add(db: Database) -> Callable[..., Database]:
    """`add(events, users={...})` fills the empty test database (UTC rollups) and returns it."""

    def fill(events: list[Event], **options: object) -> Database:
        add_events(db, events, **options)
        return db

    return fill


@pytest.fixture(scope="session")
def learning_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 generated users over 400 days (built once per run): enough to train and judge the models."""
    from analytics.seed import generate

    path = tmp_path_factory.mktemp("predict") / "learning.duckdb"
    database = open_database(path)
    generate(database, users=2_000, days=400, seed=42, end_date=LEARNING_END)
    forget_database(path)
    return path


@pytest.fixture
def learning_db(learning_master: Path, tmp_path: Path) -> Iterator[Database]:
    """A private, writable copy of the 2,000-user data set."""
    copy = tmp_path / "learning.duckdb"
    shutil.copy(learning_master, copy)
    database = open_database(copy)
    yield database
    forget_database(copy)


@pytest.fixture(scope="session")
def learning_windows(learning_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Windows:
    """The 2,000-user data set's labelled windows for scoring on LEARNING_AS_OF (30-day horizon)."""
    path = tmp_path_factory.mktemp("windows") / "learning.duckdb"
    shutil.copy(learning_master, path)
    database = open_database(path)
    first_day, _ = data_span(database)
    windows = load_windows(database, as_of=LEARNING_AS_OF, horizon_days=30, first_day=first_day)
    forget_database(path)
    return windows
