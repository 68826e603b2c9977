"""Shared fixtures: temporary databases and one seeded random generator."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from analytics.db import Database, forget_database, open_database

SEED = 42


@pytest.fixture
def rng() -> random.Random:
    """The one seeded generator tests draw random values from."""
    return random.Random(SEED)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database in a temporary folder."""
    database = open_database(tmp_path / "pulse.duckdb")
    yield database
    forget_database(database.path)


SEEDED_END = date(2025, 6, 30)
"""Fixed end day of the shared generated data set, so its figures never depend on today's date."""


@pytest.fixture(scope="session")
def seeded_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated data set (built once per test run); copy it before writing to it."""
    from analytics.seed import generate

    path = tmp_path_factory.mktemp("seeded") / "master.duckdb"
    database = open_database(path)
    generate(database, users=400, days=240, seed=SEED, end_date=SEEDED_END)
    forget_database(path)
    return path


@pytest.fixture(scope="session")
def seeded_db_copy(seeded_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide copy of the generated data set for the real server to own."""
    copy = tmp_path_factory.mktemp("server-db") / "pulse.duckdb"
    shutil.copy(seeded_master, copy)
    return copy


@pytest.fixture
def seeded_db(seeded_master: Path, tmp_path: Path) -> Iterator[Database]:
    """A private, writable copy of the generated data set."""
    copy = tmp_path / "seeded.duckdb"
    shutil.copy(seeded_master, copy)
    database = open_database(copy)
    yield database
    forget_database(copy)


@pytest.fixture
def seeded_app_env(seeded_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Point the app (pages under AppTest) at a private copy of the generated data set."""
    monkeypatch.setenv("PULSE_BACKEND_URL", f"duckdb://{seeded_db.path}")
    return seeded_db
