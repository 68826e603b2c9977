"""Shared fixtures: temporary databases and one seeded random generator."""

from __future__ import annotations

import random
from collections.abc import Iterator
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
